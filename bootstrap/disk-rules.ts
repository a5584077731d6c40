/**
 * Which install-disk rule and wipe policy apply to a node: the node's own entry (bootstrap.nodes,
 * by MAC or host name), else its node type's (bootstrap.nodeTypes), else bootstrap.installDisk and
 * bootstrap.wipe. Also what the rule means in words, for the plan and for the node's refusal.
 * Pure. The rule itself is evaluated on the node (ignition/disk-select.ts).
 */
import type { DiskRule, WipePolicy, DiskOverride } from '../agent/config/sections/install-disk.js';
import { namesNode } from '../agent/inventory/node-ref.js';
import type { Problem } from '../agent/lib/errors.js';
import type { PlannedNode } from './plan.js';

/** bootstrap.installDisk, minDiskGiB, wipe, nodeTypes and nodes. */
export interface DiskSettings {
  readonly installDisk?: DiskRule | undefined;
  readonly minDiskGiB: number;
  readonly wipe: WipePolicy;
  readonly nodeTypes: Readonly<Record<string, DiskOverride>>;
  readonly nodes: Readonly<Record<string, DiskOverride>>;
}

/** What a node's disk selection (ignition/disk-select.ts) is rendered from. */
export interface DiskSelectInput {
  rule: DiskRule;
  minDiskGiB: number;
  wipe: WipePolicy;
  /** racker installed this node before (its records say so): overwriting its disk is expected. */
  provisionedBefore: boolean;
}

/** The rule and policy for one node, with where they came from (for messages). */
export interface NodeDiskChoice {
  rule: DiskRule;
  wipe: WipePolicy;
  /** The configuration key the rule came from, e.g. bootstrap.nodeTypes.storage.installDisk. */
  source: string;
}

function nodeEntry(s: DiskSettings, node: PlannedNode): [string, DiskOverride] | undefined {
  const names = { macs: [node.mac, node.bmcMac, node.secondaryMac], hostname: node.hostname, row: node.row };
  for (const [key, o] of Object.entries(s.nodes)) if (namesNode(names, key)) return [key, o];
  return undefined;
}

function typeEntry(s: DiskSettings, node: PlannedNode): [string, DiskOverride] | undefined {
  const want = node.nodeType.trim().toLowerCase();
  for (const [key, o] of Object.entries(s.nodeTypes)) if (key.trim().toLowerCase() === want) return [key, o];
  return undefined;
}

/** The node's rule and policy; without a node, the rack-wide ones. */
export function diskChoiceFor(s: DiskSettings, node?: PlannedNode): NodeDiskChoice {
  const own = node === undefined ? undefined : nodeEntry(s, node);
  const type = node === undefined ? undefined : typeEntry(s, node);
  let rule: DiskRule = { minSizeGiB: s.minDiskGiB };
  let source = 'the default rule';
  if (own?.[1].installDisk !== undefined) [rule, source] = [own[1].installDisk, `bootstrap.nodes.${own[0]}.installDisk`];
  else if (type?.[1].installDisk !== undefined) [rule, source] = [type[1].installDisk, `bootstrap.nodeTypes.${type[0]}.installDisk`];
  else if (s.installDisk !== undefined) [rule, source] = [s.installDisk, 'bootstrap.installDisk'];
  const wipe = own?.[1].wipe ?? type?.[1].wipe ?? s.wipe;
  return { rule, wipe, source };
}

/** bootstrap.nodes keys that name no node in nodes.csv: a typo there would silently apply nothing. */
export function unmatchedNodeKeys(s: DiskSettings, nodes: readonly PlannedNode[], file: string): Problem[] {
  return Object.keys(s.nodes).filter((key) => !nodes.some((n) => namesNode({ macs: [n.mac, n.bmcMac, n.secondaryMac], hostname: n.hostname, row: n.row }, key)))
    .map((key) => ({ file, field: `bootstrap.nodes.${key}`, message: 'names no node in nodes.csv', hint: 'use a MAC or host name as racker bootstrap --dry-run lists them' }));
}

/** The rule in words, e.g. "transport nvme, at least 100 GiB, not USB or removable, the smallest such disk" (characters the node's report keeps). */
export function describeRule(r: DiskRule, minDiskGiB?: number): string {
  const parts: string[] = [];
  if (r.device !== undefined) parts.push(r.device);
  if (r.byPath !== undefined) parts.push(`/dev/disk/by-path/${r.byPath}`);
  if (r.model !== undefined) parts.push(`model ${r.model}`);
  if (r.serial !== undefined) parts.push(`serial ${r.serial}`);
  if (r.wwn !== undefined) parts.push(`wwn ${r.wwn}`);
  if (r.transport !== undefined) parts.push(`transport ${r.transport.join('/')}`);
  if (r.rotational !== undefined) parts.push(r.rotational ? 'rotational' : 'not rotational');
  const min = r.minSizeGiB ?? (r.device === undefined && r.byPath === undefined ? minDiskGiB : undefined);
  if (min !== undefined) parts.push(`at least ${min} GiB`);
  if (r.maxSizeGiB !== undefined) parts.push(`at most ${r.maxSizeGiB} GiB`);
  if (r.device === undefined && r.byPath === undefined && r.transport === undefined) parts.push('not USB or removable');
  return `${parts.join(', ')}, the smallest such disk`;
}

/** A shell pattern (* and ?) as an anchored POSIX extended regular expression. */
export function globToEre(glob: string): string {
  let out = '';
  for (const c of glob) {
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (/[A-Za-z0-9 _-]/.test(c)) out += c;
    else out += `[${c === '^' ? '\\^' : c === ']' ? '\\]' : c === '\\' ? '\\\\' : c}]`;
  }
  return `^${out}$`;
}

/**
 * What the node's disk selection gets for one run: `--wipe` raises a `none` policy to `metadata`;
 * a node racker installed before may be overwritten whatever the policy.
 */
export function installDiskInput(s: DiskSettings, node: PlannedNode, run: { wipe: boolean; provisionedBefore: boolean }): DiskSelectInput {
  const c = diskChoiceFor(s, node);
  return { rule: c.rule, minDiskGiB: s.minDiskGiB, wipe: run.wipe && c.wipe === 'none' ? 'metadata' : c.wipe, provisionedBefore: run.provisionedBefore };
}
