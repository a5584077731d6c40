/** `racker`: dispatch to a command; every failure goes through handleError. */
import { COMMANDS } from './commands.js';
import { processContext, writeLine, type CliContext } from './context.js';
import { handleError } from './handle-error.js';
import { UsageError, ExitCode } from '../lib/errors.js';
import { commandFirst } from './args.js';
import { didYouMean } from './suggest.js';

export function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: racker <command> [options]',
    '',
    'racker provisions a bare-metal rack with Flatcar Container Linux from its management node.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command (before or after it):',
    '  --config FILE  configuration file (default $RACKER_CONFIG or /etc/racker/racker.yaml)',
    '  --json         machine-readable output',
    '  --debug        show stack traces of internal errors',
    '  -h, --help     help for the command',
    '  -V, --version  the same as `racker version`',
    '',
    'Run `racker <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = commandFirst(argv);
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      writeLine(name === undefined ? ctx.stderr : ctx.stdout, topLevelHelp());
      return name === undefined ? ExitCode.usage : ExitCode.ok;
    }
    const entry = COMMANDS.find((c) => c.name === (name === '--version' || name === '-V' ? 'version' : name));
    if (entry === undefined) {
      const names = COMMANDS.map((c) => c.name);
      throw new UsageError(`unknown command "${name}"`, `${didYouMean(name, names)}commands: ${names.join(', ')}; see racker --help`);
    }
    const mod = await entry.load();
    return await mod.run(rest, ctx);
  } catch (e) {
    return handleError(e, ctx.stderr, { debug, json });
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  process.exitCode = await runCli(argv, processContext());
}
