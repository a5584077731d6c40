/**
 * Static public addressing: a YAML file keyed by each node's secondary (public) MAC. Nodes not
 * listed use DHCP. Every entry is validated and every problem carries file, line and field. This
 * replaces the original's INI text, whose parser leaked keys between sections, let no entry
 * override the first gateway, allowed one DNS server and no IPv6 (original-racker.md §8.10).
 *
 * ```yaml
 * defaults:                      # optional, applies to every entry that does not set its own
 *   gateway4: 203.0.113.1
 *   dns: [203.0.113.53, 2001:db8::53]
 * nodes:
 *   00:11:22:33:44:40:
 *     addresses: [203.0.113.10/24, 2001:db8::10/64]
 *     gateway6: 2001:db8::1
 * ```
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node, type Pair } from 'yaml';
import type { Problem } from '../agent/lib/errors.js';
import { normalizeMac, type Mac } from '../agent/lib/mac.js';
import { ipFamily, inSubnet, isLinkLocalV6, parseInterface, type Interface } from './ip.js';

export interface StaticAddressing {
  addresses: Interface[];
  gateway4?: string;
  gateway6?: string;
  dns: string[];
}

/** What the validator needs to know about the rack's MACs. */
export interface MacDirectory {
  /** Secondary MACs of the nodes being provisioned, with the nodes.csv line of each. */
  secondary: ReadonlyMap<Mac, number>;
  /** Any other MAC in nodes.csv (primary, BMC, management), to give a precise hint. */
  other: ReadonlyMap<Mac, string>;
}

export interface ParsedStaticAddresses {
  byMac: Map<Mac, StaticAddressing>;
  problems: Problem[];
}

const ENTRY_KEYS = ['addresses', 'gateway4', 'gateway6', 'dns'] as const;
const DEFAULT_KEYS = ['gateway4', 'gateway6', 'dns'] as const;

/**
 * Parse and validate the file's text. Never throws for bad content. Problems say where (line and
 * field) and what is wrong, and never repeat text from the file that did not validate: the text
 * reaches the agent's answers and logs, and may not be an addresses file at all.
 */
export function parseStaticAddresses(text: string, file: string, macs: MacDirectory): ParsedStaticAddresses {
  const problems: Problem[] = [];
  const byMac = new Map<Mac, StaticAddressing>();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, schema: 'core', prettyErrors: false });
  const lineOf = (n: Node | Pair | null | undefined): number | undefined => {
    const node = (n !== null && n !== undefined && 'key' in n ? n.key : n) as { range?: [number, number, number] } | null | undefined;
    return node?.range === undefined ? undefined : lines.linePos(node.range[0]).line;
  };
  const at = (n: Node | Pair | null | undefined, field: string | undefined, message: string, hint?: string): void => {
    problems.push({ file, line: lineOf(n), field, message, hint });
  };
  if (doc.errors.length > 0) {
    for (const err of doc.errors) problems.push({ file, line: lines.linePos(err.pos[0]).line, message: `not valid YAML: ${yamlReason(err.message)}` });
    return { byMac, problems };
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    at(undefined, undefined, 'the file is empty', 'list the nodes under "nodes:", keyed by secondary MAC, or choose DHCP');
    return { byMac, problems };
  }
  if (!isMap(root)) {
    at(root, undefined, 'the top level must be a mapping with "nodes:" (and optionally "defaults:")');
    return { byMac, problems };
  }
  let defaults: Partial<StaticAddressing> = {};
  let nodes: Node | undefined;
  for (const pair of root.items) {
    const key = keyText(pair);
    if (key === 'defaults') defaults = readSettings(pair.value, 'defaults', DEFAULT_KEYS, at);
    else if (key === 'nodes') nodes = pair.value as Node;
    else at(pair, undefined, 'unknown key; the top level has "defaults" and "nodes"');
  }
  if (nodes === undefined || (isScalar(nodes) && nodes.value === null)) {
    at(root, 'nodes', 'no "nodes:" mapping; list each node\'s secondary MAC under it');
    return { byMac, problems };
  }
  if (!isMap(nodes)) {
    at(nodes, 'nodes', 'must be a mapping of secondary MAC → settings');
    return { byMac, problems };
  }
  const owner = new Map<string, string>();
  for (const pair of nodes.items) {
    const key = keyText(pair);
    const mac = normalizeMac(key);
    if (mac === undefined) {
      at(pair, 'nodes', 'a key is not a MAC address', 'key each entry by the node\'s secondary MAC, like 00:11:22:33:44:40');
      continue;
    }
    if (!macs.secondary.has(mac)) {
      const other = macs.other.get(mac);
      at(pair, mac, other !== undefined ? `is the ${other}, not the secondary MAC of a node being provisioned` : 'is not the secondary MAC of any node in nodes.csv',
        'use the Secondary MAC address column of the node\'s row');
      continue;
    }
    const before = problems.length;
    const entry = readSettings(pair.value as Node, mac, ENTRY_KEYS, at);
    const settings: StaticAddressing = {
      addresses: entry.addresses ?? [],
      gateway4: entry.gateway4 ?? defaults.gateway4,
      gateway6: entry.gateway6 ?? defaults.gateway6,
      dns: entry.dns ?? defaults.dns ?? [],
    };
    if (problems.length > before) continue;
    if (settings.addresses.length === 0) {
      at(pair, `${mac}.addresses`, 'no addresses given', 'give at least one address/prefix, or remove the entry to use DHCP');
      continue;
    }
    checkGateway(settings, 4, pair, mac, at);
    checkGateway(settings, 6, pair, mac, at);
    for (const a of settings.addresses) {
      const twin = owner.get(a.address);
      if (twin !== undefined) at(pair, `${mac}.addresses`, `${a.address} is also given to ${twin}`, 'every node needs its own address');
      else owner.set(a.address, mac);
    }
    if (problems.length === before) byMac.set(mac, settings);
  }
  return { byMac, problems };
}

/** The reason of a YAML error, without the part some messages add that quotes the source. */
function yamlReason(message: string): string {
  return (message.split('\n')[0] ?? message).split(':')[0] ?? message;
}

type At = (n: Node | Pair | null | undefined, field: string | undefined, message: string, hint?: string) => void;

function scalarText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function keyText(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

function readSettings(node: Node | null, path: string, allowed: readonly string[], at: At): Partial<StaticAddressing> {
  const out: Partial<StaticAddressing> = {};
  if (node === null || !isMap(node)) {
    at(node, path, `must be a mapping with ${allowed.join(', ')}`);
    return out;
  }
  for (const pair of node.items) {
    const key = keyText(pair);
    const field = `${path}.${key}`;
    const value = pair.value as Node | null;
    if (!allowed.includes(key)) {
      at(pair, path, `unknown key; allowed here: ${allowed.join(', ')}`);
      continue;
    }
    if (key === 'addresses') {
      out.addresses = [];
      for (const item of listItems(value, field, at)) {
        const iface = parseInterface(item.text);
        if (typeof iface === 'string') at(item.node, field, iface);
        else out.addresses.push(iface);
      }
    } else if (key === 'dns') {
      out.dns = [];
      for (const item of listItems(value, field, at)) {
        if (ipFamily(item.text) === undefined) at(item.node, field, 'is not an IPv4 or IPv6 address');
        else out.dns.push(item.text.toLowerCase());
      }
    } else {
      const text = isScalar(value) && value.value !== null ? scalarText(value.value) : '';
      const want = key === 'gateway4' ? 4 : 6;
      if (ipFamily(text) !== want) at(value ?? pair, field, `is not an IPv${want} address`);
      else if (key === 'gateway4') out.gateway4 = text;
      else out.gateway6 = text.toLowerCase();
    }
  }
  return out;
}

/** A scalar or a sequence of scalars, as text with the node for line numbers. */
function listItems(value: Node | null, field: string, at: At): { text: string; node: Node }[] {
  if (value !== null && isScalar(value) && value.value !== null) return [{ text: scalarText(value.value).trim(), node: value }];
  if (value === null || !isSeq(value)) {
    at(value, field, 'must be a list');
    return [];
  }
  const items: { text: string; node: Node }[] = [];
  for (const item of value.items as Node[]) {
    if (!isScalar(item) || item.value === null) at(item, field, 'list items must be plain values');
    else items.push({ text: scalarText(item.value).trim(), node: item });
  }
  return items;
}

function checkGateway(s: StaticAddressing, family: 4 | 6, pair: Pair, key: string, at: At): void {
  const gateway = family === 4 ? s.gateway4 : s.gateway6;
  if (gateway === undefined) return;
  const own = s.addresses.filter((a) => a.family === family);
  const field = `${key}.gateway${family}`;
  if (own.length === 0) {
    // A gateway (from `defaults`) for a family this node has no address in is not used.
    if (family === 4) delete s.gateway4;
    else delete s.gateway6;
    return;
  }
  if (own.some((a) => a.address === gateway)) {
    at(pair, field, `gateway ${gateway} is the node's own address`);
    return;
  }
  if (family === 6 && isLinkLocalV6(gateway)) return; // routers are often given by link-local address
  if (!own.some((a) => inSubnet(a, gateway))) {
    at(pair, field, `gateway ${gateway} is outside the node's IPv${family} subnet${own.length > 1 ? 's' : ''} ${own.map((a) => a.cidr).join(', ')}`,
      'the gateway must be on the same network as the address (check the prefix length)');
  }
}
