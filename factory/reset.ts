/**
 * `racker factory reset`: undo the factory's test run before hand-over, and only that.
 *   --nodes           nodes.csv back to its header (the old one kept as a backup) and racker's
 *                     per-node state in the state directory removed (NODE_STATE below; downloaded
 *                     OS images and anything racker does not own are kept);
 *   --racker-version  the version marker removed (see version-marker.ts).
 * The plan is computed first and shown exactly; nothing happens until it is confirmed.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../agent/config/schema.js';
import { oemFiles } from '../agent/config/paths.js';
import { NODES_CSV_HEADER } from '../agent/inventory/nodes-csv.js';
import { isENOENT } from '../agent/lib/errors.js';
import { backupStamp, replaceKeepingBackup, NODES_MODE } from './save.js';
import { versionMarkerPath } from './version-marker.js';
import { pathExists } from '../agent/lib/path-exists.js';

/**
 * What racker keeps per node in the state directory, by entry name, with what it is. Every
 * subsystem that stores node state adds its entry here (the reset is only as complete as this list).
 */
export const NODE_STATE: readonly { name: string | RegExp; what: string }[] = [
  { name: 'address-plan.json', what: 'the address plan (addresses kept per MAC)' },
  { name: 'nodes', what: 'per-node provisioning state' },
  { name: 'jobs', what: 'bootstrap job records' },
  { name: /^events\.ndjson(\.\d+)?$/, what: 'the event log' },
  { name: 'dnsmasq', what: 'DHCP leases and reservations' },
  { name: 'groups', what: 'boot groups (per-node boot selection)' },
  { name: 'profiles', what: 'boot profiles' },
  { name: 'ignition', what: 'rendered Ignition configs' },
  { name: 'generic', what: 'rendered boot data' },
  { name: 'tokens', what: 'per-node phone-home tokens' },
];

export interface ResetStep {
  kind: 'truncate-nodes' | 'remove';
  path: string;
  what: string;
}

export interface ResetPlan {
  steps: ResetStep[];
  /** Entries of the state directory that are kept (for the operator's peace of mind). */
  kept: string[];
  /** Asked for but absent: said so, not an error. */
  absent: string[];
}

export async function planReset(config: Config, o: { nodes: boolean; rackerVersion: boolean }): Promise<ResetPlan> {
  const plan: ResetPlan = { steps: [], kept: [], absent: [] };
  const stateDir = config.paths.stateDir;
  if (o.nodes) {
    const nodesCsv = oemFiles(config.paths.oemDir).nodesCsv;
    if (await pathExists(nodesCsv)) plan.steps.push({ kind: 'truncate-nodes', path: nodesCsv, what: 'every node row (the header stays; the old file is kept as a backup)' });
    else plan.absent.push(nodesCsv);
    const entries = await readdir(stateDir).catch((e: unknown) => {
      if (isENOENT(e)) return [] as string[];
      throw e;
    });
    for (const name of entries.sort()) {
      const kind = NODE_STATE.find((n) => (typeof n.name === 'string' ? n.name === name : n.name.test(name)));
      if (kind !== undefined) plan.steps.push({ kind: 'remove', path: join(stateDir, name), what: kind.what });
      else if (join(stateDir, name) !== versionMarkerPath(stateDir)) plan.kept.push(join(stateDir, name));
    }
  }
  if (o.rackerVersion) {
    const marker = versionMarkerPath(stateDir);
    if (await pathExists(marker)) plan.steps.push({ kind: 'remove', path: marker, what: 'the racker version marker: the next bootstrap updates racker to the newest release first' });
    else plan.absent.push(marker);
  } else if (await pathExists(versionMarkerPath(stateDir))) plan.kept.push(versionMarkerPath(stateDir));
  return plan;
}

export function describePlan(plan: ResetPlan): string[] {
  const out: string[] = [];
  if (plan.steps.length > 0) {
    out.push('racker factory reset will:');
    for (const s of plan.steps) out.push(s.kind === 'truncate-nodes' ? `  empty ${s.path}: ${s.what}` : `  remove ${s.path}: ${s.what}`);
  }
  for (const a of plan.absent) out.push(`  (${a} does not exist: nothing to do there)`);
  if (plan.kept.length > 0) out.push(`and keep: ${plan.kept.join(', ')}`);
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

