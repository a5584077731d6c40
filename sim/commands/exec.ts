/**
 * `racker-sim exec [--name NAME] -- COMMAND...`: run a command inside the management node (every
 * namespace of its systemd, PATH with the payload's /opt/bin first), as an operator logged in there
 * would: `racker-sim exec -- racker status`, `… -- journalctl -u racker-agent`. Its stdin, stdout,
 * stderr and exit status are the command's. Racks made with `--agent systemd` only.
 */
import { spawn } from 'node:child_process';
import { writeLine, type CliContext } from '../../agent/cli-kit/context.js';
import { ErrorCodes, RackerError, UsageError } from '../../agent/lib/errors.js';
import { mgmtPaths, nsenterArgs, readPidFile, NODE_PATH } from '../mgmt-node.js';
import { RACK_OPTIONS, loadRack, rackRef, requireRoot } from './common.js';
import { parseCommandArgs } from '../../agent/cli-kit/args.js';

const USAGE = 'racker-sim exec [--name NAME] [--root DIR] -- COMMAND [ARG]...';

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const dash = args.indexOf('--');
  const own = dash === -1 ? args : args.slice(0, dash);
  const command = dash === -1 ? [] : args.slice(dash + 1);
  const { values, positionals } = parseCommandArgs(own, RACK_OPTIONS, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${USAGE}\n\nRun COMMAND inside the management node (racks made with --agent systemd), e.g.\n  racker-sim exec -- racker status\n  racker-sim exec -- journalctl -u racker-agent -p err`);
    return 0;
  }
  if (positionals.length > 0 || command.length === 0) throw new UsageError('give the command after --', `usage: ${USAGE}`);
  requireRoot();
  const rack = await loadRack(rackRef(values, ctx));
  if (rack.state.options.agent !== 'systemd') {
    throw new RackerError(ErrorCodes.sim, `rack ${rack.ref.name} has no management node container (it was made with --agent manual)`,
      { hint: `run commands in its namespace instead: ip netns exec ${rack.spec.mgmtNetns} COMMAND` });
  }
  const pid1 = await readPidFile(mgmtPaths(rack.ref.dir).pid1);
  if (pid1 === undefined) throw new RackerError(ErrorCodes.sim, `the management node of rack ${rack.ref.name} is not running`, { hint: `recreate the rack: racker-sim destroy --name ${rack.ref.name}; racker-sim create …` });
  // A clean environment, as a login on the node has: none of this shell's RACKER_* settings leak in.
  const env = ['env', '-i', `PATH=${NODE_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', ...(ctx.env.TERM === undefined ? [] : [`TERM=${ctx.env.TERM}`])];
  const child = spawn('nsenter', nsenterArgs(pid1, [...env, ...command]), { stdio: 'inherit' });
  return await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
