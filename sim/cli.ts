/**
 * `racker-sim`: the simulated rack. Only `--help` exists so far; create, destroy, status and fault
 * are the racker-sim issue's work and say so instead of pretending.
 */
import { handleError } from '../agent/cli/handle-error.js';
import { RackerError, ErrorCodes, UsageError } from '../agent/lib/errors.js';

const HELP = `usage: racker-sim <command> [options]

A QEMU + OpenIPMI simulated rack for developing and testing racker.

Commands:
  create [--nodes N] [--uefi] [--no-vm] [--flatcar DIR]   build a simulated rack
  destroy                                                 remove everything create made
  status [--json]                                         the rack's nodes, BMCs and power state
  fault <node> <fault>                                    inject a failure`;

export async function main(argv: readonly string[]): Promise<void> {
  const [cmd] = argv;
  try {
    if (cmd === undefined) {
      process.stderr.write(`${HELP}\n`);
      process.exitCode = 2;
      return;
    }
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      process.stdout.write(`${HELP}\n`);
      return;
    }
    if (['create', 'destroy', 'status', 'fault'].includes(cmd)) {
      throw new RackerError(ErrorCodes.notFound, `racker-sim ${cmd} is not implemented in this version`);
    }
    throw new UsageError(`unknown command "${cmd}"`, 'see racker-sim --help');
  } catch (e) {
    process.exitCode = handleError(e, process.stderr);
  }
}
