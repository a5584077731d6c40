/**
 * Pure: bring node records in line with the inventory. New rows get a record in phase `new`;
 * identity fields (host name, row, type, addresses, BMC) follow nodes.csv and the address plan.
 * A server that left (its row deleted, or its MACs changed: another server in the same row) is
 * retired: its record goes (its history stays in the event log) and the caller retires its token and
 * boot data (daemon/wiring/retire-nodes.ts). A new server in a retired one's row is its replacement.
 */
import type { NodeRecord } from './records.js';

/** The inventory facts a record is built from (a subset of inventory's RackNode). */
export interface InventoryNode {
  primaryMac: string;
  bmcMac: string;
  secondaryMac: string;
  nodeType: string;
  row: number;
  hostname: string;
  address: string | undefined;
  bmcAddress: string | undefined;
  isManagement: boolean;
}

export interface SyncResult {
  nodes: Record<string, NodeRecord>;
  added: string[];
  /** Records of the servers that left nodes.csv (no longer in `nodes`). */
  removed: NodeRecord[];
  /** New server (primary MAC) → the retired record whose row it took. */
  replaces: Map<string, NodeRecord>;
  changed: boolean;
}

export function applyInventory(current: Readonly<Record<string, NodeRecord>>, nodes: readonly InventoryNode[], bmcDriver: (bmcMac: string) => string, now: string): SyncResult {
  const out: Record<string, NodeRecord> = {};
  const added: string[] = [];
  const removed: NodeRecord[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    seen.add(n.primaryMac);
    const old = current[n.primaryMac];
    if (old === undefined) added.push(n.primaryMac);
    const phase = old?.phase ?? { name: n.isManagement ? 'management' as const : 'new' as const, since: now, history: [] };
    const bmcMoved = old !== undefined && (old.bmc.mac !== n.bmcMac || old.bmc.address !== n.bmcAddress);
    out[n.primaryMac] = {
      mac: n.primaryMac,
      hostname: n.hostname,
      row: n.row,
      nodeType: n.nodeType,
      ...(n.isManagement ? { role: 'management' as const } : old?.role === undefined || old.role === 'management' ? {} : { role: old.role }),
      isManagement: n.isManagement,
      inInventory: true,
      ...(n.address === undefined ? {} : { address: n.address }),
      secondaryMac: n.secondaryMac,
      bmc: {
        ...(old === undefined || bmcMoved ? { reachable: null, failures: 0 } : { reachable: old.bmc.reachable, failures: old.bmc.failures, lastSeen: old.bmc.lastSeen, lastCheck: old.bmc.lastCheck, lastError: old.bmc.lastError }),
        mac: n.bmcMac,
        ...(n.bmcAddress === undefined ? {} : { address: n.bmcAddress }),
        driver: bmcDriver(n.bmcMac),
      },
      power: old?.power ?? { state: 'unknown' },
      phase,
      ...(old?.lastError === undefined ? {} : { lastError: old.lastError }),
      ...(old?.installedAt === undefined ? {} : { installedAt: old.installedAt }),
      ...(old?.hardware === undefined ? {} : { hardware: old.hardware }),
      // Another BMC is another server's: what the old one said is not this node's any more.
      ...(old?.bmcFacts === undefined || bmcMoved ? {} : { bmcFacts: old.bmcFacts }),
    };
    dropUndefined(out[n.primaryMac]?.bmc as Record<string, unknown>);
  }
  for (const [mac, old] of Object.entries(current)) if (!seen.has(mac)) removed.push(old);
  const replaces = new Map<string, NodeRecord>();
  for (const mac of added) {
    const gone = removed.find((r) => r.row === out[mac]?.row && !r.isManagement);
    if (gone !== undefined) replaces.set(mac, gone);
  }
  const changed = canonical(out) !== canonical(current);
  return { nodes: out, added, removed, replaces, changed };
}

function dropUndefined(o: Record<string, unknown>): void {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
}

/** JSON with keys sorted at every level, so key order never counts as a change. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
    : v));
}
