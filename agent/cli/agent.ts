/** `racker agent`: run the agent daemon in the foreground (systemd runs it as racker-agent.service). */
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { UsageError } from '../lib/errors.js';
import { rackerVersion } from '../lib/racker-version.js';

const USAGE = 'racker agent [--config FILE]';
const HELP = `usage: ${USAGE}

Run the racker agent in the foreground: DHCP/TFTP, the boot service, BMC power polling, jobs and
the control API on the socket in the run directory. systemd runs it as racker-agent.service
(Type=notify). Logs are JSON lines on stdout.

Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads the configuration and nodes.csv.
Exit status: 0 after a requested stop, 1 when it cannot start or stop cleanly.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {}, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  const { runDaemon } = await import('../daemon/main.js');
  // A clean stop closes every handle and the process ends by itself; if something still holds the
  // event loop after stopping (or stopping failed), do not hang until systemd's stop timeout.
  let code = 1;
  try {
    code = await runDaemon({ configFlag: values.config, env: ctx.env, version: await rackerVersion() });
    return code;
  } finally {
    setTimeout(() => process.exit(code), 2_000).unref();
  }
}
