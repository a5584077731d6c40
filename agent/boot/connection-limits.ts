/**
 * How many connections the boot service holds, and for whom. Every client of the boot service is
 * taken to be hostile, and each open connection costs memory, so their number is capped
 * (`boot.maxConnections`), and no client address may hold more than its fair share of them:
 *
 * - an address already at `boot.maxConnectionsPerClient` gives up its own oldest connection for
 *   the new one (a node that reconnects after a stall is served; its stale connections go);
 * - when the service is full, the address holding the most connections gives up its oldest, as
 *   long as it holds more than the newcomer's address would; otherwise the newcomer is refused.
 *
 * So an address can always get a connection unless every address holds as many as it would, and
 * a flood from a few addresses cannot keep a node from its /ipxe and Ignition. Pure bookkeeping:
 * the caller closes what `drop` names.
 */

export interface ConnectionLimitOptions {
  maxConnections: number;
  maxPerClient: number;
}

/** One admitted connection; `drop` closes it (wherever it is served). */
export interface Lease {
  readonly address: string;
  readonly drop: () => void;
}

export interface ConnectionCounts {
  /** Open connections now. */
  open: number;
  /** Client addresses holding one now. */
  clients: number;
  /** The most connections one address holds now. */
  largestShare: number;
  /** Connections refused because the service was full and the address had its share. */
  refused: number;
  /** Connections closed to make room for another address's (fair share) or the same one's (per-client cap). */
  evicted: number;
}

export class ConnectionLimits {
  private readonly byAddress = new Map<string, Lease[]>();
  private open = 0;
  private refused = 0;
  private evicted = 0;

  constructor(private readonly o: ConnectionLimitOptions) {
    if (o.maxConnections < 1 || o.maxPerClient < 1) throw new Error('connection limits must be at least 1');
  }

  /** Admit a new connection from `address`, or undefined: refused, close it. May drop another first. */
  admit(address: string, drop: () => void): Lease | undefined {
    const mine = this.byAddress.get(address) ?? [];
    if (mine.length >= this.o.maxPerClient) {
      this.evict(mine);
    } else if (this.open >= this.o.maxConnections) {
      const biggest = this.largest();
      if (biggest === undefined || biggest.length <= mine.length + 1) {
        this.refused++;
        return undefined;
      }
      this.evict(biggest);
    }
    const lease: Lease = { address, drop };
    mine.push(lease);
    this.byAddress.set(address, mine);
    this.open++;
    return lease;
  }

  /** The connection is closed (by either side). Releasing twice is harmless. */
  release(lease: Lease): void {
    const list = this.byAddress.get(lease.address);
    const i = list?.indexOf(lease) ?? -1;
    if (list === undefined || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.byAddress.delete(lease.address);
    this.open--;
  }

  counts(): ConnectionCounts {
    return { open: this.open, clients: this.byAddress.size, largestShare: this.largest()?.length ?? 0, refused: this.refused, evicted: this.evicted };
  }

  private largest(): Lease[] | undefined {
    let best: Lease[] | undefined;
    for (const list of this.byAddress.values()) if (best === undefined || list.length > best.length) best = list;
    return best;
  }

  /** Close the oldest connection of `list`; its release follows now or when it has closed. */
  private evict(list: Lease[]): void {
    const oldest = list[0];
    if (oldest === undefined) return;
    this.evicted++;
    this.release(oldest);
    oldest.drop();
  }
}
