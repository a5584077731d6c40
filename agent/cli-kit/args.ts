/**
 * Flag parsing for every command: node's parseArgs in strict mode, so an unknown or malformed flag
 * is a usage error (exit 2), never silently ignored. `--help` is handled here for all commands.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, errorMessage } from '../lib/errors.js';
import { didYouMean } from './suggest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export interface ParsedArgs<O extends Options> {
  values: { [K in keyof (O & typeof COMMON_OPTIONS)]?: (O & typeof COMMON_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };
  positionals: string[];
}

export function parseCommandArgs<O extends Options>(args: readonly string[], options: O, usage: string): ParsedArgs<O> {
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: all, allowPositionals: true, strict: true });
    return { values: values, positionals };
  } catch (e) {
    const message = errorMessage(e).replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '(--?[^'=]+)/.exec(message)?.[1];
    const suggestion = unknown === undefined ? '' : didYouMean(unknown, Object.keys(all).map((name) => `--${name}`));
    throw new UsageError(message, `${suggestion}usage: ${usage}`);
  }
}

/**
 * Options of every command may also come before the command (`racker --config F status`): they are
 * moved behind it, so each command parses them as its own. Returns argv in command-first order.
 */
export function commandFirst(argv: readonly string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  for (; i < argv.length; i += 1) {
    const a = argv[i] as string;
    if (a === '--json' || a === '--debug' || a.startsWith('--config=')) leading.push(a);
    else if (a === '--config' && i + 1 < argv.length) leading.push(a, argv[(i += 1)] as string);
    else break;
  }
  return [...argv.slice(i, i + 1), ...leading, ...argv.slice(i + 1)];
}
