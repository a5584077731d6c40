/**
 * `racker-sim build-os`: build the stand-in OS (the servers') and the management node's rootfs into
 * the cache, unless this version of their sources is there already, and print where they are. The
 * first `racker-sim create` of a fresh machine builds them too; this command lets the test command
 * start that work in the background while the suites that need no VM run, and lets an operator
 * prepare a machine ahead of a demo. Two builders at once (this and a create) wait for each other.
 */
import { writeLine, type CliContext } from '../../agent/cli-kit/context.js';
import { parseCommandArgs } from '../../agent/cli-kit/args.js';
import { exec } from '../../agent/lib/exec.js';
import { UsageError } from '../../agent/lib/errors.js';
import { cacheDir, ensureStandinOs } from '../standin.js';
import { ensureMgmtOs } from '../mgmt-node.js';
import { requireRoot } from './common.js';

const USAGE = 'racker-sim build-os';

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {}, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${USAGE}\n\nBuild the servers' stand-in OS and the management node's rootfs into the cache\n(${cacheDir(ctx.env)}, or RACKER_SIM_CACHE) unless they are there already.`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, `usage: ${USAGE}`);
  requireRoot();
  const cache = cacheDir(ctx.env);
  const progress = (line: string): void => writeLine(ctx.stderr, `racker-sim: ${line}`);
  // One after the other: both are mostly dpkg, and the machine may have two cores.
  const os = await ensureStandinOs(exec, cache, progress);
  const rootfs = await ensureMgmtOs(exec, cache, progress);
  writeLine(ctx.stdout, `stand-in OS: ${os.kernel}, ${os.initrd}\nmanagement node rootfs: ${rootfs}`);
  return 0;
}
