/** Everything the DHCP subsystem tells the rest of the agent, as one discriminated union on `type`. */
import type { Mac } from '../lib/mac.js';
import type { LeaseEvent } from './leases.js';
import type { ParsedLogEvent } from './log-parser.js';

export type { DhcpPacketEvent, TftpEvent, FileReadEvent, DnsmasqLogEvent } from './log-parser.js';
export type { LeaseEvent } from './leases.js';

/** An unknown MAC took an address from the discovery pool (dhcp.discovery on). */
export interface DiscoveryEvent {
  type: 'discovery';
  mac: Mac;
  ip: string;
  clientArch: number | undefined;
  vendorClass: string | undefined;
  hostname: string | undefined;
}

export type LifecycleEvent =
  | { type: 'started'; pid: number | undefined }
  | { type: 'exited'; pid: number | undefined; code: number | null; signal: string | null }
  | { type: 'restarting'; attempt: number; delayMs: number }
  | { type: 'reloaded'; pid: number | undefined };

export type DhcpEvent = ParsedLogEvent | LeaseEvent | DiscoveryEvent | LifecycleEvent;
