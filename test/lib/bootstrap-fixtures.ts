/** Racks, answers and plans for bootstrap unit tests, built in memory (no files, no /sys). */
import type { DiskSelectInput } from '../../bootstrap/ignition/disk-select.js';
import { parseNodesCsv, NODES_CSV_HEADER } from '../../agent/inventory/nodes-csv.js';
import { assignHostnames } from '../../agent/inventory/hostnames.js';
import { planAddresses } from '../../agent/inventory/address-plan.js';
import { parseSubnet, type Subnet } from '../../agent/lib/ipv4.js';
import type { Inventory, RackNode } from '../../agent/inventory/inventory.js';
import type { Mac } from '../../agent/lib/mac.js';
import type { Answers } from '../../bootstrap/answers.js';
import { planBootstrap, type BootstrapPlan } from '../../bootstrap/plan.js';
import type { StaticAddressing } from '../../bootstrap/static-addresses.js';

/**
 * One node per type (row i, line i+1, host name node-0i, MACs 02:00:00:00:<i>:<00 primary|01 BMC|02
 * secondary>), then the management node as the last row (MACs 02:00:00:00:00:0x).
 */
export function rackRows(types: readonly string[]): string[] {
  const hex = (i: number): string => i.toString(16).padStart(2, '0');
  const rows = types.map((t, i) => `02:00:00:00:${hex(i + 1)}:00, 02:00:00:00:${hex(i + 1)}:01, 02:00:00:00:${hex(i + 1)}:02, ${t}, node ${i + 1}`);
  rows.push('02:00:00:00:00:00, 02:00:00:00:00:01, 02:00:00:00:00:02, mgmt, management');
  return rows;
}

export const nodeMac = (row: number, nic: 0 | 1 | 2 = 0): Mac => `02:00:00:00:${row.toString(16).padStart(2, '0')}:0${nic}` as Mac;

export function fakeInventory(types: readonly string[], subnetCidr = '172.24.213.0/24', pattern = 'node-{row}'): Inventory {
  const file = '/oem/nodes.csv';
  const parsed = parseNodesCsv(`${NODES_CSV_HEADER}\n${rackRows(types).join('\n')}\n`, file);
  if (parsed.problems.length > 0) throw new Error(JSON.stringify(parsed.problems));
  const names = assignHostnames(pattern, parsed.nodes, file);
  const others = parsed.nodes.slice(0, -1);
  const subnet = parseSubnet(subnetCidr) as Subnet;
  const { plan } = planAddresses(subnet, [...others.map((n) => n.primaryMac), ...others.map((n) => n.bmcMac)], 16);
  const last = parsed.nodes.length - 1;
  const nodes: RackNode[] = parsed.nodes.map((n, i) => ({
    ...n,
    hostname: names.names.get(n.row) as string,
    isManagement: i === last,
    address: i === last ? undefined : plan.byMac.get(n.primaryMac),
    bmcAddress: i === last ? undefined : plan.byMac.get(n.bmcMac),
  }));
  return {
    nodesFile: file, nodes, management: nodes[last] as RackNode, workers: nodes.slice(0, last), pxeInterface: 'eth1',
    credentials: { user: 'admin', password: 'pw' }, plan, planToSave: undefined,
  };
}

export function answers(over: Partial<Answers> = {}): Answers {
  return {
    provision: 'flatcar', clusterName: 'racker', publicAddressing: 'dhcp',
    domain: 'rack.example.com', internalSubnet: '172.24.213.0/24',
    sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example'],
    ...over,
  };
}

export function fakePlan(types: readonly string[], a: Partial<Answers> = {}, options: { exclude?: string[]; staticAddresses?: Map<Mac, StaticAddressing> } = {}): BootstrapPlan {
  return planBootstrap({ answers: answers(a), inventory: fakeInventory(types), exclude: options.exclude ?? [], staticAddresses: options.staticAddresses });
}

/** The default install-disk selection input (no rule configured, wipe none, a node racker never installed). */
export const defaultDisk = (minDiskGiB = 10): (() => DiskSelectInput) => () => ({ rule: { minSizeGiB: minDiskGiB }, minDiskGiB, wipe: 'none', provisionedBefore: false });
