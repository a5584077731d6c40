/**
 * Who may read a node's configuration. Ignition can carry secrets (join tokens, the phone-home
 * token), so by default /ignition, /metadata and /generic for a node are only served to the
 * address its DHCP reservation gives it. "A node's" means: the request names a MAC the
 * reservations know, or the selected group selects by MAC. A group selected by MAC whose MAC has
 * no reservation is refused too (fail closed). Groups without a MAC selector (defaults) are
 * served to anyone: do not put secrets in them. Turned off with boot.restrictIgnitionToNode=false
 * for setups where requests arrive through a proxy.
 */
import type { Group } from './select.js';

/** MAC (normalised `aa:bb:…`) → the IPv4 address its reservation gives, or undefined. */
export type ReservedAddressLookup = (mac: string) => string | undefined;

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

export interface NodeAccessPolicy {
  check(requestMac: string | undefined, group: Group, clientIp: string): AccessDecision;
}

/** `::ffff:10.0.0.5` → `10.0.0.5` (IPv4 clients of a dual-stack socket). */
export function plainClientIp(remote: string | undefined): string {
  if (remote === undefined) return '';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

export const allowAll: NodeAccessPolicy = { check: () => ({ allowed: true }) };

/**
 * The policy as data, so that the boot service's worker processes apply the same one:
 * `reserved` lists [MAC, reserved IPv4] pairs; undefined serves every node's data to anyone.
 */
export interface AccessRule {
  reserved: ReadonlyArray<readonly [string, string]> | undefined;
}

export function accessPolicy(rule: AccessRule): NodeAccessPolicy {
  if (rule.reserved === undefined) return allowAll;
  const byMac = new Map(rule.reserved);
  return new ReservationAccessPolicy((mac) => byMac.get(mac));
}

export class ReservationAccessPolicy implements NodeAccessPolicy {
  constructor(private readonly lookup: ReservedAddressLookup) {}

  check(requestMac: string | undefined, group: Group, clientIp: string): AccessDecision {
    const macs = new Set<string>();
    if (requestMac !== undefined && this.lookup(requestMac) !== undefined) macs.add(requestMac);
    for (const [k, v] of Object.entries(group.selector)) if (k.toLowerCase() === 'mac') macs.add(v);
    for (const mac of macs) {
      const reserved = this.lookup(mac);
      if (reserved === undefined) return { allowed: false, reason: `group ${group.id || group.key} selects ${mac}, which has no DHCP reservation` };
      if (reserved !== clientIp) return { allowed: false, reason: `${mac} is reserved ${reserved}, request came from ${clientIp}` };
    }
    return { allowed: true };
  }
}
