/**
 * The MACs the DHCP discovery pool has leased to (`dhcp.discovery` events), held in memory for
 * GET /v1/discovery. The event log is read once at start and then followed as events are appended,
 * so a request reads no file: the factory's discovery panel polls it, and the log can be tens of
 * megabytes. Bounded: past `limit` MACs the one seen longest ago is forgotten, so a network full of
 * strangers cannot grow the agent.
 */
import type { Service } from '../lib/service.js';
import type { AgentEvent, EventLog } from './event-log.js';

export const DISCOVERY_EVENT = 'dhcp.discovery';

/** Enough for every MAC of a few racks' worth of unplanned machines. */
export const DISCOVERED_MACS_LIMIT = 1024;

/** One MAC as GET /v1/discovery reports it (docs/api.md); ip, hostname and vendorClass are the latest known. */
export interface DiscoveredMac {
  mac: string;
  ip?: string;
  hostname?: string;
  vendorClass?: string;
  firstSeen: string;
  lastSeen: string;
}

interface Entry extends DiscoveredMac {
  /** Sequence number of the first sighting: the answer keeps first-seen order. */
  firstSeq: number;
}

export class DiscoveredMacs implements Service {
  readonly name = 'discovery';
  /** In order of last sighting, least recent first: the first key is the one to forget. */
  private readonly byMac = new Map<string, Entry>();
  private lastSeq = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly events: Pick<EventLog, 'read' | 'subscribe'>, private readonly limit = DISCOVERED_MACS_LIMIT) {}

  /** Read the log once; events appended meanwhile are held and applied after, none twice. */
  async start(_signal?: AbortSignal): Promise<void> {
    if (this.unsubscribe !== undefined) return;
    const early: AgentEvent[] = [];
    let seeding = true;
    this.unsubscribe = this.events.subscribe((e) => (seeding ? early.push(e) : this.add(e)));
    try {
      for (const e of await this.events.read({})) this.add(e);
    } catch (err) {
      await this.stop();
      throw err;
    }
    seeding = false;
    for (const e of early) this.add(e);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Every MAC remembered, first seen first. */
  list(): DiscoveredMac[] {
    return [...this.byMac.values()].sort((a, b) => a.firstSeq - b.firstSeq).map(({ firstSeq: _, ...m }) => m);
  }

  private add(e: AgentEvent): void {
    // The log and the subscription overlap while seeding: sequence numbers only grow.
    if (e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    if (e.type !== DISCOVERY_EVENT) return;
    const mac = text(e.data?.mac);
    if (mac === undefined) return;
    const before = this.byMac.get(mac);
    this.byMac.delete(mac);
    // A later packet may lack what an earlier one said (vendor class, host name): keep the last known.
    const entry: Entry = {
      mac,
      ip: text(e.data?.ip) ?? before?.ip,
      hostname: text(e.data?.hostname) ?? before?.hostname,
      vendorClass: text(e.data?.vendorClass) ?? before?.vendorClass,
      firstSeen: before?.firstSeen ?? e.at,
      lastSeen: e.at,
      firstSeq: before?.firstSeq ?? e.seq,
    };
    this.byMac.set(mac, entry);
    if (this.byMac.size > this.limit) this.byMac.delete(this.byMac.keys().next().value as string);
  }
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
