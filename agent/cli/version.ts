/** `racker version`: the version of this racker. */
import { readFile } from 'node:fs/promises';
import { writeLine, type CliContext } from './context.js';
import { parseCommandArgs } from './args.js';

export async function rackerVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const usage = 'racker version [--json]';
  const { values } = parseCommandArgs(args, {}, usage);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${usage}\n\nPrint the version of this racker.`);
    return 0;
  }
  const version = await rackerVersion();
  writeLine(ctx.stdout, values.json === true ? JSON.stringify({ version }) : `racker ${version}`);
  return 0;
}
