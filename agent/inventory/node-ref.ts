/**
 * How an operator names a node, everywhere (`racker ipmi`, `racker bootstrap --node/--exclude`, the
 * control API, the CLI's job view): by any of its MACs (primary, BMC or secondary, in any spelling:
 * aa:bb:…, aa-bb-…, aabbccddeeff, Cisco's aabb.ccdd.eeff), by its host name (full or short, any case)
 * or by its nodes.csv row number. One set of rules, so no command accepts a name another refuses.
 */
import { normalizeMac } from '../lib/mac.js';
import type { RackNode } from './inventory.js';

/** What a node can be named by. */
export interface NodeNames {
  macs: readonly string[];
  hostname: string;
  row?: number;
}

/** The MAC a reference spells, normalised, or undefined when it is not a MAC. */
export function refMac(ref: string): string | undefined {
  const t = ref.trim();
  const bare = t.replace(/\./g, '');
  return normalizeMac(t) ?? (/^[0-9a-f]{12}$/i.test(bare) ? normalizeMac(bare.replace(/(..)(?!$)/g, '$1:')) : undefined);
}

/** Whether `ref` names the node. */
export function namesNode(n: NodeNames, ref: string): boolean {
  const t = ref.trim();
  const mac = refMac(t);
  if (mac !== undefined) return n.macs.some((m) => normalizeMac(m) === mac);
  if (/^\d+$/.test(t)) return n.row === Number(t);
  const name = t.toLowerCase();
  const host = n.hostname.toLowerCase();
  return host === name || host.split('.')[0] === name;
}

/** The items `ref` names, in their order. */
export function nodesNamed<T>(items: readonly T[], ref: string, names: (item: T) => NodeNames): T[] {
  return items.filter((i) => namesNode(names(i), ref));
}

/** What a nodes.csv row can be named by. */
export const rackNodeNames = (n: RackNode): NodeNames => ({ macs: [n.primaryMac, n.bmcMac, n.secondaryMac], hostname: n.hostname, row: n.row });
