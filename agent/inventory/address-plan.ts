/**
 * The internal network's address plan. The management node takes the subnet's first address; every
 * other node's primary MAC and BMC MAC gets an address that is kept (persisted, keyed by MAC) for as
 * long as the subnet stays the same, so adding or removing a row never renumbers the rest. The
 * original derived addresses from sort positions and renumbered every BMC when a server was added.
 *
 * Pure: the caller loads the previous plan and saves the result (see address-store.ts).
 */
import { ErrorCodes, RackerError } from '../lib/errors.js';
import { broadcastAddress, formatIpv4, parseIpv4, subnetContains, type Subnet } from '../lib/ipv4.js';
import type { Mac } from '../lib/mac.js';
import type { PersistedPlan } from './address-store.js';

/** What is stored in the state directory. Stale entries (MACs no longer in nodes.csv) are kept until their address is needed. */
/** The plan as saved in the state directory: its schema lives with the code that reads it back. */
export type { PersistedPlan };

export interface AddressPlan {
  subnet: Subnet;
  managementAddress: string;
  /** Address of every planned MAC. */
  byMac: ReadonlyMap<Mac, string>;
  /** Range kept for the DHCP discovery pool, if any. */
  discoveryPool: { first: string; last: string } | undefined;
}

export interface PlanResult {
  plan: AddressPlan;
  persisted: PersistedPlan;
  /** Whether `persisted` differs from the previous plan (save it). */
  changed: boolean;
  /** The subnet changed, so every address was assigned anew. */
  renumbered: boolean;
}

/**
 * @param macs the MACs that need an address, in the order new ones should be numbered
 *             (primaries first, then BMCs, each in file order)
 */
export function planAddresses(subnet: Subnet, macs: readonly Mac[], discoveryPoolSize: number, previous?: PersistedPlan): PlanResult {
  const first = subnet.network + 1;
  const poolLast = broadcastAddress(subnet) - 1;
  const poolFirst = poolLast - discoveryPoolSize + 1;
  const lastAssignable = discoveryPoolSize > 0 ? poolFirst - 1 : poolLast;
  const renumbered = previous !== undefined && previous.subnet !== subnet.cidr;
  const kept = new Map<string, number>();
  if (previous !== undefined && !renumbered) {
    for (const [mac, ip] of Object.entries(previous.assignments)) {
      const n = parseIpv4(ip);
      // Drop entries that no longer fit (pool grew, hand edit): they are re-assigned below.
      if (n !== undefined && subnetContains(subnet, n) && n > first && n <= lastAssignable) kept.set(mac, n);
    }
  }
  const wanted = new Set<string>(macs);
  const used = new Set<number>();
  const byMac = new Map<Mac, string>();
  for (const mac of macs) {
    const n = kept.get(mac);
    if (n !== undefined && !used.has(n)) {
      used.add(n);
      byMac.set(mac, formatIpv4(n));
    }
  }
  // Stale entries keep their address reserved while there is room, so a server that comes back
  // gets its old address; they are reclaimed (oldest last in file order) only when the plan is full.
  const stale = [...kept.entries()].filter(([mac]) => !wanted.has(mac));
  const staleAddrs = new Set(stale.map(([, n]) => n));
  let next = first + 1;
  const nextFree = (): number | undefined => {
    for (; next <= lastAssignable; next++) if (!used.has(next) && !staleAddrs.has(next)) return next++;
    const reclaim = stale.find(([, n]) => !used.has(n));
    if (reclaim === undefined) return undefined;
    kept.delete(reclaim[0]);
    staleAddrs.delete(reclaim[1]);
    return reclaim[1];
  };
  const missing = macs.filter((m) => !byMac.has(m));
  for (const mac of missing) {
    const n = nextFree();
    if (n === undefined) {
      const capacity = lastAssignable - first;
      throw new RackerError(ErrorCodes.addressPlan,
        `the internal subnet ${subnet.cidr} is full: ${macs.length} node and BMC MACs need an address, it has room for ${capacity} (after the management node${discoveryPoolSize > 0 ? ` and a discovery pool of ${discoveryPoolSize}` : ''})`,
        { hint: 'use a larger subnet (network.subnet, e.g. a /23) or a smaller network.discoveryPoolSize' });
    }
    used.add(n);
    byMac.set(mac, formatIpv4(n));
  }
  const assignments: Record<string, string> = {};
  for (const [mac, n] of kept) if (!wanted.has(mac) && !used.has(n)) assignments[mac] = formatIpv4(n);
  for (const [mac, ip] of byMac) assignments[mac] = ip;
  const persisted: PersistedPlan = { version: 1, subnet: subnet.cidr, assignments: sortKeys(assignments) };
  const changed = previous === undefined || JSON.stringify(sortKeys(previous.assignments)) !== JSON.stringify(persisted.assignments) || previous.subnet !== persisted.subnet;
  return {
    plan: {
      subnet,
      managementAddress: formatIpv4(first),
      byMac,
      discoveryPool: discoveryPoolSize > 0 ? { first: formatIpv4(poolFirst), last: formatIpv4(poolLast) } : undefined,
    },
    persisted,
    changed,
    renumbered,
  };
}

function sortKeys(rec: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
}
