/**
 * The shape of a simulated rack, computed from its name and node count alone: MACs (locally
 * administered and deterministic, so re-creating a rack gives the same nodes.csv), names, network
 * namespaces, interface names, BMC addresses and loopback ports. Pure; everything that creates
 * something reads it from here, and `destroy` can recompute names even when the state file is lost.
 *
 * BMC addresses are the ones racker's own address plan gives a fresh rack (primaries first, then
 * BMCs, in file order), so a BMC pinned to its address (`--no-vm`) and one that asks racker's
 * dnsmasq for a lease end up at the same place.
 */
import { createHash } from 'node:crypto';
import { planAddresses } from '../agent/inventory/address-plan.js';
import type { Mac } from '../agent/lib/mac.js';
import { formatIpv4, parseSubnet, type Subnet } from '../agent/lib/ipv4.js';
import { UsageError } from '../agent/lib/errors.js';

export const MAX_NODES = 1000;
/** racker's default discovery pool; the plan must match the agent's. */
export const DISCOVERY_POOL_SIZE = 16;
const NAME_RE = /^[a-z0-9][a-z0-9-]{0,19}$/;

export interface SimNode {
  /** 1-based data row in nodes.csv; the management node is row 1. */
  row: number;
  /** racker's default host name for the row (`node-{row}`). */
  name: string;
  primaryMac: Mac;
  bmcMac: Mac;
  secondaryMac: Mac;
  /** BMC address on the internal L2 (racker's plan for a fresh rack). */
  bmcAddress: string;
  /** Address racker's plan gives the primary NIC. */
  address: string;
  /** Interfaces in the rack namespace. */
  tap: string;
  publicTap: string;
  /** The BMC's own interface (holds its MAC and address) and its bridge-side peer. */
  bmcIface: string;
  bmcPeer: string;
  /** Policy-routing table that sends the BMC's replies out of its own interface. */
  routeTable: number;
  /** Loopback ports in the rack namespace: ipmi_sim's in-band VM port and the serial console. */
  ipmiVmPort: number;
  consolePort: number;
}

export interface RackSpec {
  name: string;
  /** The rack: bridges, BMCs, VMs. */
  netns: string;
  /** The management node: where the agent runs, with the PXE and public interfaces. */
  mgmtNetns: string;
  subnet: Subnet;
  prefix: number;
  managementAddress: string;
  internalBridge: string;
  publicBridge: string;
  /** Management node interfaces (in mgmtNetns) and their rack-side peers (in netns). */
  mgmt: {
    primaryMac: Mac;
    bmcMac: Mac;
    secondaryMac: Mac;
    pxeIface: string;
    pxePeer: string;
    publicIface: string;
    publicPeer: string;
  };
  nodes: SimNode[];
}

/** Check a rack name: it becomes part of namespace names and paths. */
export function checkRackName(name: string): string {
  if (!NAME_RE.test(name)) throw new UsageError(`rack name "${name}" is not valid`, 'use 1 to 20 lower-case letters, digits and hyphens, starting with a letter or digit');
  return name;
}

/** `02:hh:hh:rr:ii:ii`: locally administered, unicast; hh = hash of the rack name, rr = role. */
export function simMac(rack: string, role: 'primary' | 'bmc' | 'secondary', index: number): Mac {
  const h = createHash('sha256').update(rack).digest();
  const roleByte = { primary: 0, bmc: 1, secondary: 2 }[role];
  const bytes = [0x02, h[0] as number, h[1] as number, roleByte, (index >> 8) & 0xff, index & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':') as Mac;
}

/** The smallest subnet (from /24 down to /20) that holds the plan for `nodes` workers. */
function subnetFor(nodes: number): Subnet {
  for (const prefix of [24, 23, 22, 21, 20]) {
    const usable = 2 ** (32 - prefix) - 2;
    if (2 * nodes + 1 + DISCOVERY_POOL_SIZE <= usable) {
      const base = prefix === 24 ? '172.24.213.0' : '172.24.208.0';
      return parseSubnet(`${base}/${prefix}`) as Subnet;
    }
  }
  throw new UsageError(`${nodes} nodes do not fit the simulator's largest subnet (/20)`, `use at most ${MAX_NODES} nodes`);
}

export function rackSpec(name: string, nodeCount: number): RackSpec {
  checkRackName(name);
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > MAX_NODES) {
    throw new UsageError(`--nodes must be a whole number from 1 to ${MAX_NODES}, not ${nodeCount}`);
  }
  const subnet = subnetFor(nodeCount);
  const rows = Array.from({ length: nodeCount }, (_, i) => i + 2);
  const primaries = rows.map((r) => simMac(name, 'primary', r - 1));
  const bmcs = rows.map((r) => simMac(name, 'bmc', r - 1));
  const { plan } = planAddresses(subnet, [...primaries, ...bmcs], DISCOVERY_POOL_SIZE);
  const nodes: SimNode[] = rows.map((row, i) => ({
    row,
    name: `node-${String(row).padStart(2, '0')}`,
    primaryMac: primaries[i] as Mac,
    bmcMac: bmcs[i] as Mac,
    secondaryMac: simMac(name, 'secondary', row - 1),
    bmcAddress: plan.byMac.get(bmcs[i] as Mac) as string,
    address: plan.byMac.get(primaries[i] as Mac) as string,
    tap: `tap${row}`,
    publicTap: `pub${row}`,
    bmcIface: `bmc${row}`,
    bmcPeer: `bmc${row}p`,
    routeTable: 1000 + row,
    ipmiVmPort: 20000 + row * 10 + 1,
    consolePort: 20000 + row * 10 + 2,
  }));
  return {
    name,
    netns: `racker-sim-${name}`,
    mgmtNetns: `racker-sim-${name}-mgmt`,
    subnet,
    prefix: subnet.prefix,
    managementAddress: formatIpv4(subnet.network + 1),
    internalBridge: 'br-internal',
    publicBridge: 'br-public',
    mgmt: {
      primaryMac: simMac(name, 'primary', 0),
      bmcMac: simMac(name, 'bmc', 0),
      secondaryMac: simMac(name, 'secondary', 0),
      pxeIface: 'pxe0',
      pxePeer: 'mgmt-pxe',
      publicIface: 'pub0',
      publicPeer: 'mgmt-pub',
    },
    nodes,
  };
}

/** nodes.csv as the factory writes it: the management node first, then the nodes. */
export function renderNodesCsv(spec: RackSpec): string {
  const lines = ['Primary MAC address, BMC MAC address, Secondary MAC address, Node Type, Comments'];
  lines.push(`${spec.mgmt.primaryMac}, ${spec.mgmt.bmcMac}, ${spec.mgmt.secondaryMac}, mgmt, racker-sim ${spec.name} management node`);
  for (const n of spec.nodes) lines.push(`${n.primaryMac}, ${n.bmcMac}, ${n.secondaryMac}, sim, racker-sim ${spec.name} ${n.name}`);
  return `${lines.join('\n')}\n`;
}

/** Find a node by name (node-02), row number (2) or any of its MACs. */
export function findSimNode(spec: RackSpec, key: string): SimNode | undefined {
  const k = key.trim().toLowerCase().replace(/-/g, ':');
  return spec.nodes.find((n) => n.name === key || String(n.row) === key ||
    [n.primaryMac, n.bmcMac, n.secondaryMac].includes(k as Mac));
}
