/** `racker factory [check|reset|gen-ssh-key]`: the factory technician's commands. */
import { writeLine, type CliContext } from '../agent/cli/context.js';
import { parseCommandArgs } from '../agent/cli/args.js';
import { UsageError } from '../agent/lib/errors.js';
import { loadConfigLenient } from '../agent/config/load.js';
import { factoryCheck, renderCheckReport } from './check.js';
import { runFactoryEditor } from './editor.js';

const USAGE = `racker factory [--config FILE]
       racker factory check [--live] [--json] [--config FILE]
       racker factory reset [--nodes] [--racker-version] [--yes] [--config FILE]
       racker factory gen-ssh-key [--force] [--print-private] [--config FILE]`;

const HELP = `usage: ${USAGE}

Without a subcommand: the editor for the rack metadata (a full-screen terminal UI, 80x24 or
larger): BMC credentials, the nodes table, MACs discovered on the internal network, and a summary
before it saves nodes.csv, ipmi_user and ipmi_password.

Subcommands:
  check         validate nodes.csv, the BMC credentials and the configuration; print every problem
                with its file and line and how to fix it, then a summary of the rack. Exit 0 when
                valid, 1 when not. Reads only; changes nothing.
  reset         remove what the factory's test run left behind, before hand-over (see --help).
  gen-ssh-key   create the rack's ed25519 SSH key pair in the configuration directory.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (sub === undefined || sub.startsWith('-')) return editor(args, ctx);
  switch (sub) {
    case 'check': return check(rest, ctx);
    default: throw new UsageError(`unknown factory subcommand "${sub}"`, `usage: ${USAGE}`);
  }
}

async function editor(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {}, USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  const { config } = await loadConfigLenient({ flag: values.config, env: ctx.env });
  return runFactoryEditor(config, ctx);
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
