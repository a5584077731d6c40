/**
 * `racker-sim`: the simulated rack (QEMU servers with OpenIPMI ipmi_sim BMCs in network
 * namespaces). One module per command, each exporting `run(args, ctx)`.
 */
import { handleError } from '../agent/cli-kit/handle-error.js';
import { processContext, type CliContext } from '../agent/cli-kit/context.js';
import { UsageError } from '../agent/lib/errors.js';

const HELP = `usage: racker-sim <command> [options]

A QEMU + OpenIPMI simulated rack for developing and testing racker (needs root).

Commands:
  create [--nodes N] [--uefi] [--no-vm] [--flatcar DIR] [--name X]   build a simulated rack; prints its racker configuration
         [--agent systemd|manual] [--payload FILE]                    (with VMs the management node runs the payload under systemd)
  status [--json]                                                     the rack's nodes, BMCs and power state
  build-os                                                            build the servers' stand-in OS and the management node's rootfs
                                                                      into the cache (create does it too, the first time)
  exec -- COMMAND...                                                  run a command in the management node (racker, journalctl, ...)
  fault <node> <fault>|clear                                          inject a failure (bmc-down, bmc-slow, wrong-password,
                                                                      drop-boot-flag, no-dhcp, packet-loss PERCENT)
  disk <node> replace system|usb|data                                 swap a powered-off server's disk for one with a new serial
  destroy                                                             remove everything create made

Every command takes --name NAME (default "rack") and --root DIR (default /var/lib/racker-sim);
--help on any command says more.`;

type Command = (args: string[], ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  create: () => import('./commands/create.js'),
  status: () => import('./commands/status.js'),
  destroy: () => import('./commands/destroy.js'),
  fault: () => import('./commands/fault.js'),
  disk: () => import('./commands/disk.js'),
  exec: () => import('./commands/exec.js'),
  'build-os': () => import('./commands/build-os.js'),
};

export async function main(argv: readonly string[], ctx: CliContext = processContext()): Promise<void> {
  const [cmd, ...rest] = argv;
  const debug = rest.includes('--debug');
  try {
    if (cmd === undefined) {
      ctx.stderr.write(`${HELP}\n`);
      process.exitCode = 2;
      return;
    }
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      ctx.stdout.write(`${HELP}\n`);
      return;
    }
    const load = COMMANDS[cmd];
    if (load === undefined) throw new UsageError(`unknown command "${cmd}"`, 'see racker-sim --help');
    process.exitCode = await (await load()).run(rest, ctx);
  } catch (e) {
    process.exitCode = handleError(e, ctx.stderr, { debug, json: rest.includes('--json') });
  }
}
