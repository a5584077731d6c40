/**
 * Host names from the configured pattern. Placeholders: {row} (data row of nodes.csv, two digits),
 * {type} (node type, made DNS-safe), {mac} (primary MAC as 12 hex digits). {mac} names survive
 * row edits; {row} names are easier to read and say.
 */
import type { Problem } from '../lib/errors.js';
import { macHex } from '../lib/mac.js';
import type { CsvRow } from './nodes-csv.js';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function dnsSafe(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

export function renderHostname(pattern: string, node: Pick<CsvRow, 'row' | 'nodeType' | 'primaryMac'>): string {
  return pattern
    .replace(/\{row\}/g, String(node.row).padStart(2, '0'))
    .replace(/\{type\}/g, dnsSafe(node.nodeType) || 'node')
    .replace(/\{mac\}/g, macHex(node.primaryMac))
    .toLowerCase();
}

/** Names for every node, with a problem for each invalid or duplicated one. */
export function assignHostnames(pattern: string, nodes: readonly CsvRow[], file: string): { names: Map<number, string>; problems: Problem[] } {
  const names = new Map<number, string>();
  const problems: Problem[] = [];
  const byName = new Map<string, CsvRow>();
  for (const node of nodes) {
    const name = renderHostname(pattern, node);
    if (!LABEL.test(name)) {
      problems.push({ file, line: node.line, message: `host name "${name}" (from network.hostnamePattern "${pattern}") is not a valid DNS label`, hint: 'use letters, digits and hyphens, at most 63' });
      continue;
    }
    const twin = byName.get(name);
    if (twin !== undefined) {
      problems.push({ file, line: node.line, message: `host name "${name}" is also the name of line ${twin.line}`, hint: 'use {row} or {mac} in network.hostnamePattern' });
      continue;
    }
    byName.set(name, node);
    names.set(node.row, name);
  }
  return { names, problems };
}
