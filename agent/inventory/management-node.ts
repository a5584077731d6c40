/**
 * Which row of nodes.csv is this machine, and which local interface faces the rack. The management
 * node is the one row with a MAC of a local interface; its secondary MAC names the PXE interface.
 */
import type { Problem } from '../lib/errors.js';
import type { LocalInterface } from './local-interfaces.js';
import type { CsvRow } from './nodes-csv.js';

export interface ManagementNode {
  node: CsvRow;
  /** Name of the local interface on the rack-internal network. */
  pxeInterface: string;
}

export function findManagementNode(nodes: readonly CsvRow[], interfaces: readonly LocalInterface[], file: string): { management?: ManagementNode; problems: Problem[] } {
  const localMacs = new Set(interfaces.map((i) => i.mac));
  const matches = nodes.filter((n) => localMacs.has(n.primaryMac) || localMacs.has(n.bmcMac) || localMacs.has(n.secondaryMac));
  const list = interfaces.map((i) => `${i.name} ${i.mac}`).join(', ') || 'none found';
  if (matches.length === 0) {
    return { problems: [{ file, message: `no row holds a MAC of this machine (local interfaces: ${list})`, hint: 'add the management node\'s row (its secondary MAC is the NIC on the rack network), or run this on the management node' }] };
  }
  if (matches.length > 1) {
    return { problems: [{ file, line: matches[1]?.line, message: `${matches.length} rows (lines ${matches.map((m) => m.line).join(', ')}) hold MACs of this machine; exactly one row is the management node`, hint: 'check for a MAC copied into the wrong row' }] };
  }
  const node = matches[0] as CsvRow;
  const pxe = interfaces.find((i) => i.mac === node.secondaryMac);
  if (pxe === undefined) {
    return { problems: [{ file, line: node.line, field: 'Secondary MAC address', message: `the management node's secondary MAC ${node.secondaryMac} is not on any local interface (local interfaces: ${list})`, hint: 'the management node\'s secondary MAC must be its NIC on the rack-internal network' }] };
  }
  return { management: { node, pxeInterface: pxe.name }, problems: [] };
}
