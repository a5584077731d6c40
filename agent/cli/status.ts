/**
 * `racker status [--full] [--json] [--watch]`: every node's BMC, power and provisioning phase from
 * the agent; when the agent is not running, the last persisted state, clearly marked as such.
 */
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { UsageError } from '../lib/errors.js';
import { loadConfig } from '../config/load.js';
import { AgentClient } from '../api/client.js';
import { readSocketPath } from '../api/socket-path.js';
import { collectStatus, formatView, type StatusSource } from './status-source.js';
import { watchStatus } from './status-watch.js';

const USAGE = 'racker status [--full] [--json] [--watch] [--config FILE]';
const HELP = `usage: ${USAGE}

One row per node: host name, role/type, primary MAC, internal IP, BMC reachable, power,
provisioning phase and since when, last problem.

  --full    add BMC details, NICs and each node's recent events
  --json    machine-readable (one JSON document; with --watch one per line)
  --watch   redraw whenever something changes (Ctrl-C to quit)

When the agent is not running, the last persisted state is shown, clearly marked; a damaged
line in the saved event log is warned about on stderr (with --watch once, not at every refresh).
Exit status 0 when a state was shown, 1 when there is none.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { full: { type: 'boolean' }, watch: { type: 'boolean' } }, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  const config = await loadConfig({ flag: values.config, env: ctx.env });
  const source: StatusSource = { client: new AgentClient({ socketPath: readSocketPath(config.paths.runDir), timeoutMs: 3_000 }), stateDir: config.paths.stateDir, stderr: ctx.stderr };
  const options = { full: values.full === true, json: values.json === true };
  if (values.watch === true) return watchStatus(source, options, ctx);
  writeLine(ctx.stdout, formatView(await collectStatus(source, options.full), options));
  return 0;
}
