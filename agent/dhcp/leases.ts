/**
 * dnsmasq's lease file as events. dnsmasq rewrites the whole file in place after every change;
 * the watcher re-reads it when the directory reports a change (and on a slow poll, because
 * inotify misses nothing on Linux but a container's bind mount may hide the events), and emits
 * what was added, renewed or removed.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { normalizeMac, type Mac } from '../lib/mac.js';
import { isENOENT } from '../lib/errors.js';
import { Emitter } from '../lib/emitter.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';

export interface Lease {
  mac: Mac;
  ip: string;
  /** Host name the client sent or was given; undefined for `*`. */
  hostname: string | undefined;
  /** When it ends (ms since the epoch); undefined for an infinite lease. */
  expiresAt: number | undefined;
}

export interface LeaseEvent {
  type: 'lease';
  change: 'added' | 'renewed' | 'changed' | 'removed';
  lease: Lease;
}

/** Parse the lease file (`expiry mac ip hostname clientid` per IPv4 lease). Unparsable lines are skipped. */
export function parseLeases(text: string): Lease[] {
  const leases: Lease[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] === 'duid') continue; // DHCPv6 lines and the duid header are not ours
    const mac = normalizeMac(f[1] as string);
    const expiry = Number(f[0]);
    if (mac === undefined || !Number.isInteger(expiry) || !/^\d+\.\d+\.\d+\.\d+$/.test(f[2] as string)) continue;
    leases.push({ mac, ip: f[2] as string, hostname: f[3] === '*' ? undefined : f[3], expiresAt: expiry === 0 ? undefined : expiry * 1000 });
  }
  return leases;
}

/**
 * The leases in the file, or undefined when there is none (dnsmasq has not served DHCP here yet).
 * For readers outside the agent (`racker factory check --live`, the factory's discovery list).
 */
export async function readLeaseFile(path: string): Promise<Lease[] | undefined> {
  try {
    return parseLeases(await readFile(path, 'utf8'));
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw e;
  }
}

/** What changed between two readings, keyed by MAC. */
export function diffLeases(before: readonly Lease[], after: readonly Lease[]): LeaseEvent[] {
  const old = new Map(before.map((l) => [l.mac, l]));
  const events: LeaseEvent[] = [];
  for (const lease of after) {
    const prev = old.get(lease.mac);
    old.delete(lease.mac);
    if (prev === undefined) events.push({ type: 'lease', change: 'added', lease });
    else if (prev.ip !== lease.ip || prev.hostname !== lease.hostname) events.push({ type: 'lease', change: 'changed', lease });
    else if (prev.expiresAt !== lease.expiresAt) events.push({ type: 'lease', change: 'renewed', lease });
  }
  for (const lease of old.values()) events.push({ type: 'lease', change: 'removed', lease });
  return events;
}

export interface LeaseWatcherOptions {
  file: string;
  log: Logger;
  /** Re-read at least this often. Default 5 s. */
  pollMs?: number;
}

export class LeaseWatcher implements Service {
  readonly name = 'dhcp-leases';
  readonly events = new Emitter<LeaseEvent>((err) => this.options.log.error({ err }, 'a lease event listener failed'));
  private current: Lease[] = [];
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: LeaseWatcherOptions) {}

  /** The leases as last read. */
  get leases(): readonly Lease[] {
    return this.current;
  }

  async start(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const name = basename(this.options.file);
    // Watch the directory: the file may not exist yet, and a rename over it would orphan a file watch.
    this.watcher = watch(dirname(this.options.file), (_event, changed) => {
      if (changed === null || changed === name) this.refresh();
    });
    this.watcher.on('error', (err) => this.options.log.warn({ err, file: this.options.file }, 'lease file watch failed; polling only'));
    this.timer = setInterval(() => this.refresh(), this.options.pollMs ?? 5_000);
    await this.read();
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
  }

  /** Re-read now (also called by the supervisor after dnsmasq restarts). */
  refresh(): void {
    if (this.reading !== undefined) {
      this.again = true; // one more read after this one, so the last change is never missed
      return;
    }
    this.reading = this.read().finally(() => {
      this.reading = undefined;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async read(): Promise<void> {
    let text = '';
    try {
      text = await readFile(this.options.file, 'utf8');
    } catch (e) {
      if (!isENOENT(e)) {
        this.options.log.warn({ err: e, file: this.options.file }, 'cannot read the DHCP lease file');
        return;
      }
    }
    const next = parseLeases(text);
    const events = diffLeases(this.current, next);
    this.current = next;
    for (const e of events) this.events.emit(e);
  }
}
