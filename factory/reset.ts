/**
 * `racker factory reset`: undo the factory's test run before hand-over, and only that.
 *   --nodes           nodes.csv back to its header (the old one kept as a backup) and everything the
 *                     state and configuration layout says belongs to the rack removed (node state,
 *                     boot data, tokens, leases, reservations, PKI, kubeconfigs, answers; see
 *                     layoutEntries in agent/config/paths.ts); what belongs to the machine (the
 *                     configuration, snippets, the rack SSH key, OS images) and anything racker does
 *                     not own are kept and listed;
 *   --racker-version  the version marker removed (see version-marker.ts).
 * The plan is computed first and shown exactly; nothing happens until it is confirmed. The agent
 * must be stopped first: it (and its dnsmasq) would write back what it holds in memory.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../agent/config/schema.js';
import { bootDataDirs, layoutEntries, oemFiles, type LayoutEntry } from '../agent/config/paths.js';
import { NODES_CSV_HEADER } from '../agent/inventory/nodes-csv.js';
import { ErrorCodes, RackerError, isENOENT } from '../agent/lib/errors.js';
import { agentRequest, agentSocketPath } from './agent-client.js';
import { backupStamp, replaceKeepingBackup, NODES_MODE } from './save.js';
import { versionMarkerPath } from './version-marker.js';
import { pathExists } from '../agent/lib/path-exists.js';

export interface ResetStep {
  kind: 'truncate-nodes' | 'remove';
  path: string;
  what: string;
}

export interface ResetPlan {
  steps: ResetStep[];
  /** What is kept, with what it is (for the operator's peace of mind). */
  kept: { path: string; what: string }[];
  /** Asked for but absent: said so, not an error. */
  absent: string[];
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).then((n) => n.sort(), (e: unknown) => {
    if (isENOENT(e)) return [] as string[];
    throw e;
  });
}

/** A file an atomic write of `path` left behind when it was interrupted (atomic-file.ts names them so). */
const tempOf = (path: string, name: string): boolean => name.startsWith(`.${basename(path)}.`) && name.endsWith('.tmp');

/** The existing paths of one layout entry: the entry itself, its family's files, interrupted writes of it. */
async function existing(entry: LayoutEntry): Promise<string[]> {
  if (entry.names !== undefined) return (await names(entry.path)).filter((n) => entry.names?.test(n) === true).map((n) => join(entry.path, n));
  const temps = (await names(dirname(entry.path))).filter((n) => tempOf(entry.path, n)).map((n) => join(dirname(entry.path), n));
  return [...((await pathExists(entry.path)) ? [entry.path] : []), ...temps];
}

/** The agent holds node state, tokens and (in its dnsmasq) leases in memory and would write them back. */
export async function refuseWhileAgentRuns(config: Config): Promise<void> {
  const socket = agentSocketPath(config.paths.runDir);
  const r = await agentRequest(socket, 'GET', '/v1/health', { timeoutMs: 3_000 });
  if (r.running) {
    throw new RackerError(ErrorCodes.conflict, `the racker agent is running (it answers on ${socket}): it would write back the node state, tokens and leases it holds`,
      { hint: 'stop it first (systemctl stop racker-agent), then run racker factory reset again; nothing was changed' });
  }
}

export async function planReset(config: Config, o: { nodes: boolean; rackerVersion: boolean }): Promise<ResetPlan> {
  const plan: ResetPlan = { steps: [], kept: [], absent: [] };
  const marker = versionMarkerPath(config.paths.stateDir);
  if (o.nodes) {
    const nodesCsv = oemFiles(config.paths.oemDir).nodesCsv;
    if (await pathExists(nodesCsv)) plan.steps.push({ kind: 'truncate-nodes', path: nodesCsv, what: 'every node row (the header stays; the old file is kept as a backup)' });
    else plan.absent.push(nodesCsv);
    const entries = layoutEntries(config.paths, config.boot);
    const claimed = new Set<string>();
    for (const entry of entries) {
      const found = await existing(entry);
      for (const path of found) claimed.add(path);
      if (entry.names === undefined) claimed.add(entry.path);
      if (entry.path === marker) continue; // --racker-version's business
      for (const path of found) {
        if (entry.belongsTo === 'rack') plan.steps.push({ kind: 'remove', path, what: entry.what });
        else plan.kept.push({ path, what: entry.what });
      }
    }
    // Whatever else is in the folders racker keeps things in is not racker's: kept, and listed.
    const folders = new Set([config.paths.stateDir, config.paths.etcDir, bootDataDirs(config.paths, config.boot).dataDir]);
    const ancestors = (p: string): string[] => (dirname(p) === p ? [] : [dirname(p), ...ancestors(dirname(p))]);
    for (const p of [...claimed]) for (const a of ancestors(p)) claimed.add(a);
    for (const folder of [...folders].sort()) {
      for (const name of await names(folder)) {
        const path = join(folder, name);
        if (!claimed.has(path) && path !== marker) plan.kept.push({ path, what: 'not racker\'s' });
      }
    }
  }
  if (o.rackerVersion) {
    if (await pathExists(marker)) plan.steps.push({ kind: 'remove', path: marker, what: 'the racker version marker: the next bootstrap updates racker to the newest release first' });
    else plan.absent.push(marker);
  } else if (await pathExists(marker)) plan.kept.push({ path: marker, what: 'the racker version marker' });
  return plan;
}

export function describePlan(plan: ResetPlan): string[] {
  const out: string[] = [];
  if (plan.steps.length > 0) {
    out.push('racker factory reset will:');
    for (const s of plan.steps) out.push(s.kind === 'truncate-nodes' ? `  empty ${s.path}: ${s.what}` : `  remove ${s.path}: ${s.what}`);
  }
  for (const a of plan.absent) out.push(`  (${a} does not exist: nothing to do there)`);
  if (plan.kept.length > 0) {
    out.push('and keep:');
    for (const k of plan.kept) out.push(`  ${k.path}: ${k.what}`);
  }
  return out;
}

/** Carry out the plan; returns one line per step done. */
export async function executeReset(plan: ResetPlan, now: Date = new Date()): Promise<string[]> {
  const done: string[] = [];
  for (const s of plan.steps) {
    if (s.kind === 'truncate-nodes') {
      const backup = await replaceKeepingBackup(s.path, `${NODES_CSV_HEADER}\n`, NODES_MODE, backupStamp(now));
      done.push(`✓ ${s.path} now holds only the header${typeof backup === 'string' ? ` (previous version: ${backup})` : ''}`);
    } else {
      await rm(s.path, { recursive: true, force: true });
      done.push(`✓ removed ${s.path}`);
    }
  }
  return done;
}
