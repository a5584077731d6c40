/**
 * User snippets from the configuration directory, merged into the installed system's Ignition:
 *
 *   <etcDir>/snippets/all/*            every node
 *   <etcDir>/snippets/role/<role>/*    controller, worker or node
 *   <etcDir>/snippets/type/<type>/*    node type from nodes.csv (DNS-safe form, e.g. "big-disk")
 *   <etcDir>/snippets/node/<name>/*    one node, by host name or primary MAC (12 hex digits)
 *
 * Files are Butane (`.bu`, `.yaml`, `.yml`; racker's subset, see butane.ts) or Ignition (`.ign`,
 * `.json`, spec 3.0 to 3.3). They are merged most general first, by file name within a directory,
 * so a node's own snippet wins. Every problem is reported with file and line before anything runs.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isENOENT, type Problem, errorMessage } from '../../agent/lib/errors.js';
import { etcFiles } from '../../agent/config/paths.js';
import { dnsSafe } from '../../agent/inventory/hostnames.js';
import { macHex } from '../../agent/lib/mac.js';
import type { PlannedNode } from '../plan.js';
import { butaneToIgnition } from './butane.js';
import { IgnitionError, checkIgnition } from '../../agent/boot/ignition.js';
import type { IgnitionConfig } from './types.js';

export type SnippetScope = { kind: 'all' } | { kind: 'role' | 'type' | 'node'; name: string };

export interface Snippet {
  scope: SnippetScope;
  file: string;
  config: IgnitionConfig;
}

export interface SnippetLibrary {
  snippets: Snippet[];
  problems: Problem[];
}

const BUTANE = /\.(bu|ya?ml)$/;
const IGNITION = /\.(ign|json)$/;

export function snippetsDir(etcDir: string): string {
  return etcFiles(etcDir).snippetsDir;
}

export async function loadSnippets(dir: string): Promise<SnippetLibrary> {
  const lib: SnippetLibrary = { snippets: [], problems: [] };
  await loadScope(join(dir, 'all'), { kind: 'all' }, lib);
  for (const kind of ['role', 'type', 'node'] as const) {
    for (const name of await listDir(join(dir, kind))) await loadScope(join(dir, kind, name), { kind, name }, lib);
  }
  return lib;
}

async function loadScope(dir: string, scope: SnippetScope, lib: SnippetLibrary): Promise<void> {
  for (const name of (await listDir(dir)).sort()) {
    const file = join(dir, name);
    if (!BUTANE.test(name) && !IGNITION.test(name)) {
      lib.problems.push({ file, message: 'is neither Butane (.bu, .yaml) nor Ignition (.ign, .json)', hint: 'rename it or move it out of the snippets directory' });
      continue;
    }
    const text = await readFile(file, 'utf8');
    const parsed = BUTANE.test(name) ? butaneToIgnition(text, file) : parseIgnitionSnippet(text, file);
    lib.problems.push(...parsed.problems);
    if (parsed.config !== undefined) lib.snippets.push({ scope, file, config: parsed.config });
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => !d.name.startsWith('.')).map((d) => d.name);
  } catch (e) {
    if (isENOENT(e)) return [];
    throw e;
  }
}

export function parseIgnitionSnippet(text: string, file: string): { config?: IgnitionConfig; problems: Problem[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec(errorMessage(e))?.[1];
    const line = pos === undefined ? undefined : text.slice(0, Number(pos)).split('\n').length;
    return { problems: [{ file, line, message: `not valid JSON: ${errorMessage(e)}` }] };
  }
  const version = (raw as { ignition?: { version?: unknown } } | null)?.ignition?.version;
  if (typeof version !== 'string' || !/^3\.[0-3]\.0$/.test(version)) {
    return { problems: [{ file, field: 'ignition.version', message: `is ${JSON.stringify(version)}; racker merges Ignition spec 3.0.0 to 3.3.0`, hint: 'set "ignition": {"version": "3.3.0"}' }] };
  }
  // The same schema the boot service checks every config it serves against: a snippet that
  // would not be served is refused here, at --dry-run, naming the file and the field.
  try {
    checkIgnition(raw, file);
  } catch (e) {
    if (!(e instanceof IgnitionError)) throw e;
    return { problems: e.problems.map((p) => {
      const m = /^(\S+): (.*)$/.exec(p);
      return m === null ? { file, message: p } : { file, field: m[1] === '$' ? '(top level)' : m[1], message: m[2] ?? p };
    }) };
  }
  return { config: raw as IgnitionConfig, problems: [] };
}

/** Whether a scope applies to a node. */
export function scopeApplies(scope: SnippetScope, node: Pick<PlannedNode, 'role' | 'nodeType' | 'hostname' | 'mac'>): boolean {
  switch (scope.kind) {
    case 'all': return true;
    case 'role': return scope.name === node.role;
    case 'type': return scope.name === dnsSafe(node.nodeType);
    case 'node': return scope.name === node.hostname || scope.name.toLowerCase() === macHex(node.mac);
  }
}

const ORDER = { all: 0, role: 1, type: 2, node: 3 } as const;

/** The snippets for one node, most general first. */
export function snippetsFor(lib: SnippetLibrary, node: Pick<PlannedNode, 'role' | 'nodeType' | 'hostname' | 'mac'>): Snippet[] {
  return lib.snippets.filter((s) => scopeApplies(s.scope, node)).sort((a, b) => ORDER[a.scope.kind] - ORDER[b.scope.kind]);
}
