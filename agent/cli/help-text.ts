/**
 * Each command's `--help` text is the one description of its usage: shell completion and the man
 * page are derived from it here, so they cannot drift from what `racker <command> --help` says.
 */
import { PassThrough } from 'node:stream';
import type { CommandEntry } from './command-entry.js';

export interface HelpOption {
  /** `--name` */
  flag: string;
  /** It takes a value (FILE, NODE, N ... follows it in the text). */
  takesValue: boolean;
  description: string;
}

export interface HelpSubcommand {
  name: string;
  description: string;
  options: HelpOption[];
}

export interface CommandHelp {
  name: string;
  summary: string;
  text: string;
  options: HelpOption[];
  /** `racker factory check`-style subcommands, with their own options (from their usage lines). */
  subcommands: HelpSubcommand[];
  /** Words a command takes after its first argument (ipmi's actions). */
  actions: string[];
}

/** The text `racker <name> --help` prints, captured by running the command's own module. */
export async function commandHelpText(entry: CommandEntry): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const mod = await entry.load();
  // No command table: --help describes the one command.
  await mod.run(['--help'], { stdout: out, stderr: out, stdin: new PassThrough(), env: process.env }, []);
  return text;
}

/** `--flag VALUE` descriptions from the body: lines that start with the flag. */
function bodyOptions(text: string): Map<string, HelpOption> {
  const found = new Map<string, HelpOption>();
  for (const line of text.split('\n')) {
    const m = /^\s+(--[a-z][a-z0-9-]*)(?:[ =]([A-Z][A-Za-z_|.-]*|\[[A-Z]+\]))?\s{2,}(\S.*)$/.exec(line);
    if (m === null || found.has(m[1] as string)) continue;
    found.set(m[1] as string, { flag: m[1] as string, takesValue: m[2] !== undefined, description: (m[3] as string).trim() });
  }
  return found;
}

/** Options named in one usage line, with descriptions from the body where it has them. */
function usageOptions(line: string, body: Map<string, HelpOption>): HelpOption[] {
  const out: HelpOption[] = [];
  for (const m of line.matchAll(/(--[a-z][a-z0-9-]*)(?:[ =]([A-Z][A-Za-z_|.]*|[a-z]+(?:\|[a-z]+)+))?/g)) {
    const flag = m[1] as string;
    if (out.some((o) => o.flag === flag)) continue;
    out.push(body.get(flag) ?? { flag, takesValue: m[2] !== undefined, description: '' });
  }
  return out;
}

/** Entries of an indented list under a heading like "Subcommands:" or "Actions (default diag):". */
function listUnder(text: string, heading: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const m = /^ {2}([a-z][a-z0-9-]*)(?:\s{2,}(\S.*))?/.exec(line);
    if (m !== null && !out.has(m[1] as string)) out.set(m[1] as string, (m[2] ?? '').trim());
  }
  return out;
}

export function parseHelp(entry: Pick<CommandEntry, 'name' | 'summary'>, text: string): CommandHelp {
  const body = bodyOptions(text);
  const usage = text.split('\n').filter((l) => /^(usage:)?\s*racker /.test(l));
  const subs = listUnder(text, /^Subcommands:/);
  const subcommands: HelpSubcommand[] = [];
  const own: HelpOption[] = [];
  for (const line of usage) {
    const sub = new RegExp(`racker ${entry.name} ([a-z][a-z0-9-]*)`).exec(line)?.[1];
    if (sub !== undefined && subs.has(sub)) subcommands.push({ name: sub, description: subs.get(sub) ?? '', options: usageOptions(line, body) });
    else for (const o of usageOptions(line, body)) if (!own.some((x) => x.flag === o.flag)) own.push(o);
  }
  // Flags described in the body but not in a usage line (bootstrap's "[question flags]") belong to the command itself.
  if (subcommands.length === 0) for (const o of body.values()) if (!own.some((x) => x.flag === o.flag)) own.push(o);
  if (!own.some((o) => o.flag === '--help')) own.push({ flag: '--help', takesValue: false, description: 'help for the command' });
  const actions = [...listUnder(text, /^Actions\b/).keys()];
  return { name: entry.name, summary: entry.summary, text, options: own, subcommands, actions };
}

export async function commandHelp(entry: CommandEntry): Promise<CommandHelp> {
  return parseHelp(entry, await commandHelpText(entry));
}
