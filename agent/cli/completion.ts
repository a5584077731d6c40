/**
 * `racker completion bash|zsh|fish`: the shell completion script, and the hidden `racker complete
 * -- WORDS…` that script calls on every TAB. The completion engine and the shell scripts are
 * @bomb.sh/tab's; what racker offers (commands, subcommands, options, ipmi actions) comes from each
 * command's --help text (help-text.ts), so completion knows exactly what the help says.
 */
import t from '@bomb.sh/tab';
import type { CommandEntry } from './command-entry.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { commandHelp, type HelpOption } from './help-text.js';
import { UsageError } from '../lib/errors.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
const USAGE = 'racker completion bash|zsh|fish';
const HELP = `usage: ${USAGE}

Print the shell completion script for racker. Load it in the current shell, or for every shell:
  bash:  source <(racker completion bash)      or  racker completion bash > /etc/bash_completion.d/racker
  zsh:   source <(racker completion zsh)       or  racker completion zsh > "\${fpath[1]}/_racker"
  fish:  racker completion fish > ~/.config/fish/completions/racker.fish
bash needs the bash-completion package. Completion offers commands, subcommands, options and the
actions of racker ipmi, as each command's --help lists them.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {}, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  const shell = positionals[0];
  if (positionals.length !== 1 || !(SHELLS as readonly string[]).includes(shell ?? '')) throw new UsageError(`completion needs one shell: ${SHELLS.join(', ')}`, `usage: ${USAGE}`);
  t.setup('racker', 'racker', shell as string);
  return 0;
}

/** Answer one completion request (the words typed after `racker`); tab prints the candidates. */
export async function complete(words: readonly string[], commands: readonly CommandEntry[]): Promise<number> {
  await define(words, commands);
  t.parse([...words]);
  return 0;
}

function addOptions(target: { option(value: string, description: string, handler?: () => void): unknown }, options: readonly HelpOption[]): void {
  for (const o of options) {
    const name = o.flag.slice(2);
    // A value-taking option gets a (no-op) handler: tab then completes its value, not another flag.
    if (o.takesValue) target.option(name, o.description, () => undefined);
    else target.option(name, o.description);
  }
}

/**
 * Every command by name and summary; the options and subcommands of the one being typed only (its
 * module is loaded for its help text: loading all of them would slow every TAB down).
 */
async function define(words: readonly string[], commands: readonly CommandEntry[]): Promise<void> {
  const typed = words.length > 1 ? words[0] : undefined;
  for (const entry of commands) {
    const cmd = t.command(entry.name, entry.summary);
    if (entry.name !== typed) continue;
    const help = await commandHelp(entry);
    addOptions(cmd, help.options);
    for (const sub of help.subcommands) addOptions(t.command(`${entry.name} ${sub.name}`, sub.description), sub.options);
    if (help.actions.length > 0) {
      cmd.argument('node');
      cmd.argument('action', (completeWith) => { for (const a of help.actions) completeWith(a, ''); });
    }
  }
}
