/** `racker factory <subcommand>`: the factory technician's commands. */
import { writeLine, type CliContext } from '../agent/cli/context.js';
import { parseCommandArgs } from '../agent/cli/args.js';
import { UsageError } from '../agent/lib/errors.js';
import { loadConfigLenient } from '../agent/config/load.js';
import { factoryCheck, renderCheckReport } from './check.js';

const USAGE = 'racker factory check [--json] [--config FILE]';
const HELP = `usage: ${USAGE}

Subcommands:
  check   validate nodes.csv, the BMC credentials and the configuration; print every problem
          with its file and line and how to fix it, then a summary of the rack.
          Exit 0 when valid, 1 when not. Reads only; changes nothing.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    writeLine(sub === undefined ? ctx.stderr : ctx.stdout, HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'check') return check(rest, ctx);
  throw new UsageError(`unknown factory subcommand "${sub}"`, `usage: ${USAGE}`);
}

async function check(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {}, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  const { config, problems } = await loadConfigLenient({ flag: values.config, env: ctx.env });
  const report = await factoryCheck(config, problems);
  writeLine(ctx.stdout, values.json === true ? JSON.stringify(report, null, 2) : renderCheckReport(report));
  return report.valid ? 0 : 1;
}
