/**
 * `racker-sim destroy`: end every process in the rack's namespaces, delete the namespaces (which
 * removes their bridges, veths and taps) and the rack's directory. Works from the state file, and
 * from the rack's name alone when the state file is gone or damaged (a crash), so it always
 * leaves nothing behind. Destroying a rack that does not exist succeeds and says so.
 */
import { rm, stat } from 'node:fs/promises';
import { writeLine, type CliContext } from '../../agent/cli-kit/context.js';
import { parseCommandArgs } from '../../agent/cli-kit/args.js';
import { exec } from '../../agent/lib/exec.js';
import { sleep } from '../../agent/lib/backoff.js';
import { deleteNetns } from '../netns.js';
import { readState } from '../state.js';
import { mgmtPaths, stopNode } from '../mgmt-node.js';
import { RACK_OPTIONS, rackRef, requireRoot, type RackRef } from './common.js';
import { errorMessage } from '../../agent/lib/errors.js';

const USAGE = 'racker-sim destroy [--name NAME] [--root DIR]';

export interface DestroyResult {
  /** Namespaces that existed and were deleted. */
  namespaces: string[];
  processes: number;
  removedDir: boolean;
}

export async function destroyRack(ref: RackRef, progress: (line: string) => void): Promise<DestroyResult> {
  const state = await readState(ref.dir).catch(() => undefined); // damaged: fall back to the names
  const names = new Set([...(state?.netns ?? []), `racker-sim-${ref.name}`, `racker-sim-${ref.name}-mgmt`]);
  const result: DestroyResult = { namespaces: [], processes: 0, removedDir: false };
  // The management node first (a clean poweroff, then its overlay root is unmounted), from its
  // pid files, so this works without the state file too.
  await stopNode(exec, mgmtPaths(ref.dir)).catch((e: unknown) => progress(`stopping the management node failed: ${errorMessage(e)}`));
  for (const ns of names) {
    const r = await deleteNetns(exec, ns, sleep).catch((e: unknown) => {
      // Reported, and the rest is still removed; a second destroy finds what is left by name.
      progress(`deleting namespace ${ns} failed: ${errorMessage(e)}`);
      return { existed: false, killed: 0 };
    });
    if (r.existed) result.namespaces.push(ns);
    result.processes += r.killed;
  }
  if (await stat(ref.dir).then(() => true, () => false)) {
    await rm(ref.dir, { recursive: true, force: true });
    result.removedDir = true;
  }
  return result;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, RACK_OPTIONS, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${USAGE}\n\nRemove a simulated rack: its processes (BMCs, VMs, and anything run in its namespaces, the agent included), namespaces and files.`);
    return 0;
  }
  requireRoot();
  const ref = rackRef(values, ctx);
  const r = await destroyRack(ref, (line) => writeLine(ctx.stderr, `racker-sim: ${line}`));
  if (values.json === true) writeLine(ctx.stdout, JSON.stringify(r));
  else writeLine(ctx.stdout, r.removedDir || r.namespaces.length > 0 ? `destroyed rack ${ref.name} (${r.processes} processes ended)` : `no rack ${ref.name} to destroy`);
  return 0;
}
