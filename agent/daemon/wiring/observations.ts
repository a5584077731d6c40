/**
 * The bootstrap's view of the network (bootstrap/ports.ts ProgressObservations), built from the
 * rack bus: a DHCP ACK, each boot-service request, and each phone-home become observations of the
 * node they concern. iPXE fetches the kernel and initrd without a `mac` label, so asset requests
 * are attributed to a node by the address its reservation gives it.
 */
import { basename } from 'node:path';
import { normalizeMac, type Mac } from '../../lib/mac.js';
import type { BootEvent } from '../../boot/events.js';
import type { DhcpEvent } from '../../dhcp/events.js';
import { PXE_INITRD, PXE_KERNEL } from '../../../bootstrap/groups-profiles.js';
import type { ProgressObservations } from '../../../bootstrap/ports.js';
import type { Observation } from '../../../bootstrap/observation.js';
import type { RackBus } from './rack-bus.js';
import type { KeptReport } from './token-store.js';

/** Reserved address → primary MAC, from the current inventory (it changes on reload). */
export type MacByAddress = (ip: string) => Mac | undefined;

export function dhcpObservation(e: DhcpEvent): Observation | undefined {
  if (e.type !== 'dhcp' || e.message !== 'ACK') return undefined;
  return { mac: e.mac, kind: 'dhcp-ack', at: Date.now() };
}

export function bootObservation(e: BootEvent, macByAddress: MacByAddress): Observation | undefined {
  const at = e.at.getTime();
  if (e.type === 'phone-home') {
    const mac = normalizeMac(e.mac);
    // The hardware inventory is the state's (rack-bus.ts), not a step of the provisioning.
    if (e.status === 'inventory') return undefined;
    return mac === undefined ? undefined : { mac, kind: 'phone-home', at, status: e.status, ...(e.reason === undefined ? {} : { reason: e.reason }), ...(e.output === undefined ? {} : { output: e.output }) };
  }
  if (e.status >= 400 || e.aborted) return undefined;
  const mac = (e.mac === undefined ? undefined : normalizeMac(e.mac)) ?? macByAddress(e.clientIp);
  if (mac === undefined) return undefined;
  const os = e.os === 'installed' ? { os: 'installed' as const } : {};
  switch (e.endpoint) {
    case 'boot.ipxe': return { mac, kind: 'boot.ipxe', at };
    case 'ipxe': return { mac, kind: 'ipxe', at, ...os };
    case 'ignition': return { mac, kind: 'ignition', at, ...os };
    case 'assets': {
      const file = basename(e.path ?? '');
      if (file === PXE_KERNEL) return { mac, kind: 'kernel', at };
      if (file === PXE_INITRD) return { mac, kind: 'initrd', at };
      return undefined;
    }
    default: return undefined;
  }
}

/** The phone-home reports kept with the nodes' current tokens (TokenStore.reports), oldest first per node. */
export type KeptReports = () => readonly (readonly [Mac, KeptReport])[];

/**
 * Observations for the bootstrap. A subscriber first gets the phone-home reports kept with the
 * nodes' current tokens (on disk before each node was answered), so a job that (re)starts after a
 * node reported, even in an agent started again after a SIGKILL, does not wait for a report that came.
 */
export class BusObservations implements ProgressObservations {
  constructor(private readonly bus: RackBus, private readonly macByAddress: MacByAddress, private readonly kept: KeptReports) {}

  subscribe(listener: (o: Observation) => void): () => void {
    for (const [mac, r] of this.kept()) {
      listener({ mac, kind: 'phone-home', at: r.at, status: r.status, ...(r.reason === undefined ? {} : { reason: r.reason }), ...(r.output === undefined ? {} : { output: r.output }) });
    }
    const offDhcp = this.bus.dhcp.on((e) => {
      const o = dhcpObservation(e);
      if (o !== undefined) listener(o);
    });
    const offBoot = this.bus.boot.on((e) => {
      const o = bootObservation(e, this.macByAddress);
      if (o !== undefined) listener(o);
    });
    return () => {
      offDhcp();
      offBoot();
    };
  }
}
