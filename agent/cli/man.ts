/**
 * `racker man`: racker's manual page in roff, made from the same help texts `racker --help` and
 * `racker <command> --help` print (help-text.ts). On a terminal it is shown with man(1) when the
 * host has it (Flatcar does not: then as plain text); piped, the roff is printed (`racker man |
 * man -l -`); `--output FILE` writes it, which is how the payload carries share/man/man1/racker.1.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { CommandEntry } from './command-entry.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { commandHelpText } from './help-text.js';
import { topLevelHelp } from './top-help.js';
import { UsageError } from '../lib/errors.js';

const USAGE = 'racker man [--output FILE]';
const HELP = `usage: ${USAGE}

racker's manual page, made from every command's --help. On a terminal it is shown with man(1), or as
plain text where there is no man (Flatcar); piped, the roff source is printed: racker man | man -l -

  --output FILE   write the roff source to FILE (the payload installs it as
                  /opt/racker/current/share/man/man1/racker.1: MANPATH=/opt/racker/current/share/man man racker)`;

/** Text as roff shows it: backslashes escaped, no line taken for a request, non-ASCII as \[uXXXX]. */
function roffText(text: string): string {
  return text.split('\n').map((l) => l
    .replace(/\\/g, '\\e')
    .replace(/^([.'])/, '\\&$1')
    .replace(/[^\t -~]/gu, (c) => `\\[u${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}]`)).join('\n');
}

/** A block kept as written (the help texts are laid out for an 80-column terminal). */
function verbatim(text: string): string {
  return `.nf\n${roffText(text.trimEnd())}\n.fi`;
}

export async function manPage(version: string, commands: readonly CommandEntry[]): Promise<string> {
  const out = [
    `.TH RACKER 1 "" "racker ${version}" "racker manual"`,
    '.SH NAME',
    'racker \\- provision a bare-metal rack with Flatcar Container Linux from its management node',
    '.SH SYNOPSIS',
    ...commands.map((c) => `.B racker ${c.name}\n[\\fIoptions\\fR]\n.br`),
    '.SH DESCRIPTION',
    verbatim(topLevelHelp(commands)),
    '.SH COMMANDS',
  ];
  for (const entry of commands) {
    out.push(`.SS racker ${entry.name}`, verbatim(await commandHelpText(entry)));
  }
  out.push(
    '.SH FILES',
    '.TP\n.I /usr/share/oem/nodes.csv, ipmi_user, ipmi_password\nthe rack metadata the factory writes',
    '.TP\n.I /etc/racker/racker.yaml\nthe configuration',
    '.TP\n.I /var/lib/racker\nstate, boot data, assets',
    '.TP\n.I /run/racker\nthe control socket',
    '.TP\n.I /opt/racker\ninstalled versions',
    '.SH EXIT STATUS',
    '0 success, 1 failure, 2 usage error (see each command for more).',
    '.SH SEE ALSO',
    '.BR systemctl (1),',
    '.BR journalctl (1),',
    '.BR ipmitool (1);',
    'racker-agent.service; the documentation in /opt/racker/current/docs.',
  );
  return `${out.join('\n')}\n`;
}

/** The same content as plain text, for a terminal without man(1). */
async function plainText(commands: readonly CommandEntry[]): Promise<string> {
  const out = [topLevelHelp(commands)];
  for (const entry of commands) out.push(`racker ${entry.name}\n${'-'.repeat(7 + entry.name.length)}\n${await commandHelpText(entry)}`);
  return out.map((t) => t.trimEnd()).join('\n\n');
}

/** `man -l -` on this terminal, the page on its stdin; false when there is no man to run. */
function showWithMan(page: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('man', ['-l', '-'], { stdio: ['pipe', 'inherit', 'inherit'] });
    child.once('error', () => resolve(false)); // ENOENT: no man on this host
    child.once('exit', (code) => resolve(code === 0));
    child.stdin.on('error', () => undefined); // the pager quit before reading all of it
    child.stdin.end(page);
  });
}

export async function run(args: string[], ctx: CliContext, commands: readonly CommandEntry[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { output: { type: 'string' } }, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  const { rackerVersion } = await import('../lib/racker-version.js');
  const page = await manPage(await rackerVersion(), commands);
  if (values.output !== undefined) {
    await writeFile(values.output, page, { mode: 0o644 });
    return 0;
  }
  if (ctx.stdout.isTTY === true) {
    if (await showWithMan(page)) return 0;
    writeLine(ctx.stdout, await plainText(commands));
    return 0;
  }
  ctx.stdout.write(page);
  return 0;
}
