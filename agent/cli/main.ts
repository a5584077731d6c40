/** `racker`: dispatch to a command; every failure goes through handleError. */
import { COMMANDS } from './commands.js';
import { topLevelHelp } from './top-help.js';
import { processContext, writeLine, type CliContext } from '../cli-kit/context.js';
import { handleError } from '../cli-kit/handle-error.js';
import { UsageError, ExitCode } from '../lib/errors.js';
import { commandFirst } from '../cli-kit/args.js';
import { didYouMean } from '../cli-kit/suggest.js';

export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = commandFirst(argv);
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      writeLine(name === undefined ? ctx.stderr : ctx.stdout, topLevelHelp(COMMANDS));
      return name === undefined ? ExitCode.usage : ExitCode.ok;
    }
    // What the script of `racker completion` calls on every TAB: not a command of its own in the help.
    if (name === 'complete' && rest[0] === '--') return await (await import('./completion.js')).complete(rest.slice(1), COMMANDS);
    const entry = COMMANDS.find((c) => c.name === (name === '--version' || name === '-V' ? 'version' : name));
    if (entry === undefined) {
      const names = COMMANDS.map((c) => c.name);
      throw new UsageError(`unknown command "${name}"`, `${didYouMean(name, names)}commands: ${names.join(', ')}; see racker --help`);
    }
    const mod = await entry.load();
    return await mod.run(rest, ctx, COMMANDS);
  } catch (e) {
    return handleError(e, ctx.stderr, { debug, json });
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  process.exitCode = await runCli(argv, processContext());
}
