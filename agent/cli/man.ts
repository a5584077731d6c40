/**
 * `racker man`: racker's manual page in roff, made from the same help texts `racker --help` and
 * `racker <command> --help` print (help-text.ts). `racker man | man -l -` reads it.
 */
import type { CommandEntry } from './command-entry.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { commandHelpText } from './help-text.js';
import { topLevelHelp } from './top-help.js';

const USAGE = 'racker man';

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

export async function run(args: string[], ctx: CliContext, commands: readonly CommandEntry[]): Promise<number> {
  const { values } = parseCommandArgs(args, {}, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${USAGE}\n\nPrint racker's manual page (roff), made from every command's --help: racker man | man -l -`);
    return 0;
  }
  const { rackerVersion } = await import('./version.js');
  ctx.stdout.write(await manPage(await rackerVersion(), commands));
  return 0;
}
