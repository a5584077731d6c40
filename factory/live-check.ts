/**
 * `racker factory check --live`: after the files check, reach every BMC with the rack's
 * credentials (in parallel, at most bmc.fanout at once) and report which node and BMC MACs have
 * asked the internal network's DHCP server for an address. The BMC is reached through the
 * BmcProbe interface; the implementation here runs `ipmitool chassis power status` (the password
 * in IPMI_PASSWORD, never in argv) until the native BMC client takes its place.
 */
import type { Config } from '../agent/config/schema.js';
import type { Inventory, RackNode } from '../agent/inventory/inventory.js';
import { normalizeMac } from '../agent/lib/mac.js';
import { isRackerError } from '../agent/lib/errors.js';
import type { BmcPool } from '../agent/bmc/pool.js';
import { nodeBmc } from '../agent/bmc/targets.js';
import { readLeaseFile, type Lease } from '../agent/dhcp/leases.js';
import { stateFiles } from '../agent/config/paths.js';

export interface BmcTarget {
  node: RackNode;
  host: string | undefined;
  port: number;
  cipherSuite: number | undefined;
}

export interface ProbeResult {
  reachable: boolean;
  /** What the BMC said (e.g. "Chassis Power is on"), or why it was not reached. */
  detail: string;
}

export interface BmcProbe {
  probe(target: BmcTarget): Promise<ProbeResult>;
}

/** Where each node's BMC is: a fixed address from bmc.nodes, else its DHCP reservation. */
export function bmcTargets(inv: Inventory, config: Config): BmcTarget[] {
  const overrides = new Map(Object.entries(config.bmc.nodes).map(([mac, o]) => [normalizeMac(mac), o]));
  return inv.workers.map((node) => {
    const o = overrides.get(node.bmcMac);
    return { node, host: o?.address ?? node.bmcAddress, port: o?.port ?? 623, cipherSuite: o?.cipherSuite };
  });
}

/**
 * Reaches each BMC through the BMC layer (the driver configured per node, the native IPMI client by
 * default): one power-status query on a session with the rack's credentials.
 */
export class BmcLayerProbe implements BmcProbe {
  constructor(private readonly pool: BmcPool, private readonly config: Config, private readonly inventory: Inventory) {}

  async probe(t: BmcTarget): Promise<ProbeResult> {
    if (t.host === undefined) return { reachable: false, detail: 'no address for this BMC' };
    try {
      const power = await this.pool.client(nodeBmc(this.config, this.inventory, t.node)).powerState();
      return { reachable: true, detail: `power ${power}` };
    } catch (e) {
      if (!isRackerError(e)) throw e;
      return { reachable: false, detail: e.message };
    }
  }
}

export interface BmcReport {
  row: number;
  hostname: string;
  bmcMac: string;
  address: string | undefined;
  reachable: boolean;
  detail: string;
}

export interface DhcpReport {
  /** The lease file read, or undefined when there was none. */
  leaseFile: string;
  available: boolean;
  nodes: { row: number; hostname: string; primarySeen: string | undefined; bmcSeen: string | undefined }[];
  /** MACs that got a lease but are not in nodes.csv. */
  unknown: { mac: string; ip: string }[];
}

export interface LiveReport {
  bmcs: BmcReport[];
  dhcp: DhcpReport;
}

/** Run the probes with at most `fanout` in flight. */
export async function probeAll(targets: readonly BmcTarget[], probe: BmcProbe, fanout: number): Promise<BmcReport[]> {
  const results: BmcReport[] = new Array<BmcReport>(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < targets.length; i = next++) {
      const t = targets[i] as BmcTarget;
      const r = await probe.probe(t);
      results[i] = { row: t.node.row, hostname: t.node.hostname, bmcMac: t.node.bmcMac, address: t.host === undefined ? undefined : `${t.host}${t.port === 623 ? '' : `:${t.port}`}`, ...r };
    }
  };
  await Promise.all(Array.from({ length: Math.min(fanout, targets.length) }, worker));
  return results;
}

export function dhcpReport(inv: Inventory, leases: readonly Lease[] | undefined, leaseFile: string): DhcpReport {
  const byMac = new Map((leases ?? []).map((l) => [l.mac as string, l.ip]));
  const known = new Set(inv.nodes.flatMap((n) => [n.primaryMac, n.bmcMac, n.secondaryMac] as string[]));
  return {
    leaseFile,
    available: leases !== undefined,
    nodes: inv.workers.map((n) => ({ row: n.row, hostname: n.hostname, primarySeen: byMac.get(n.primaryMac), bmcSeen: byMac.get(n.bmcMac) })),
    unknown: (leases ?? []).filter((l) => !known.has(l.mac)).map((l) => ({ mac: l.mac, ip: l.ip })),
  };
}

/** Every BMC probed, and the leases of the agent's dnsmasq (the lease file in the state layout). */
export async function liveCheck(inv: Inventory, config: Config, probe: BmcProbe): Promise<LiveReport> {
  const leaseFile = stateFiles(config.paths.stateDir).dhcp.leases;
  const [bmcs, leases] = await Promise.all([probeAll(bmcTargets(inv, config), probe, config.bmc.fanout), readLeaseFile(leaseFile)]);
  return { bmcs, dhcp: dhcpReport(inv, leases, leaseFile) };
}

export function renderLiveReport(r: LiveReport): string {
  const out: string[] = ['', 'BMCs (chassis power status with the rack credentials):'];
  for (const b of r.bmcs) {
    out.push(`  ${b.reachable ? '✓' : '✗'} row ${b.row} ${b.hostname} BMC ${b.bmcMac} at ${b.address ?? '?'}: ${b.detail}`);
    if (!b.reachable) out.push('      fix: check the BMC is cabled to the internal network and powered, has its DHCP lease (or bmc.nodes address), and uses the rack credentials');
  }
  const bad = r.bmcs.filter((b) => !b.reachable).length;
  out.push(bad === 0 ? `  ✓ all ${r.bmcs.length} BMCs answered` : `  ✗ ${bad} of ${r.bmcs.length} BMCs did not answer`);
  out.push('', 'Seen on the internal network (DHCP leases):');
  if (!r.dhcp.available) {
    out.push(`  no data: ${r.dhcp.leaseFile} does not exist (the agent has not served DHCP on this machine yet)`);
  } else {
    for (const n of r.dhcp.nodes) {
      out.push(`  row ${n.row} ${n.hostname}: node ${n.primarySeen === undefined ? 'not seen' : `seen (${n.primarySeen})`}, BMC ${n.bmcSeen === undefined ? 'not seen' : `seen (${n.bmcSeen})`}`);
    }
    for (const u of r.dhcp.unknown) out.push(`  ! ${u.mac} (${u.ip}) is not in nodes.csv: a server missing from the table, or a MAC typed wrong?`);
  }
  return out.join('\n');
}
