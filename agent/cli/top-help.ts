/** `racker --help`: every command with its summary, and the options every command takes. */
import type { CommandEntry } from './command-entry.js';

export function topLevelHelp(commands: readonly Pick<CommandEntry, 'name' | 'summary'>[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: racker <command> [options]',
    '',
    'racker provisions a bare-metal rack with Flatcar Container Linux from its management node.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
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
