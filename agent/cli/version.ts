/**
 * `racker version`: this racker's version, the installed ones (current and previous), and, when a
 * release source is configured, what `racker update` and `racker upgrade` would install.
 */
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { loadConfig } from '../config/load.js';
import { exec } from '../lib/exec.js';
import { silentLogger } from '../lib/log.js';
import { isRackerError, errorMessage } from '../lib/errors.js';
import { rackerVersion } from '../lib/racker-version.js';
import { availableReleases, installedState, type Available, type InstalledState } from '../../installer/commands.js';

export interface VersionReport {
  version: string;
  installed?: InstalledState;
  available?: Available;
  /** Why installed or available could not be determined; the command still succeeds. */
  problems?: string[];
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const usage = 'racker version [--json] [--offline] [--config FILE]';
  const { values } = parseCommandArgs(args, { offline: { type: 'boolean' } }, usage);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${usage}\n\nPrint the version of this racker, the versions installed in /opt/racker, and,\nwhen installer.source is configured, the newest releases available.

  --offline  do not ask the release source (the installer's self-test uses this)`);
    return 0;
  }
  const report: VersionReport = { version: await rackerVersion() };
  const problems: string[] = [];
  // This racker's version must print even on a broken host: every other part is best effort.
  try {
    const config = await loadConfig({ flag: values.config, env: ctx.env });
    const env = { config: config.installer, exec, log: silentLogger(), say: () => undefined };
    report.installed = await installedState(env);
    if (config.installer.source !== undefined && values.offline !== true) report.available = await availableReleases(env, report.installed.current);
  } catch (e) {
    if (!isRackerError(e) && !(e instanceof Error && 'code' in e)) throw e;
    problems.push(errorMessage(e).split('\n')[0] ?? String(e));
  }
  if (problems.length > 0) report.problems = problems;
  writeLine(ctx.stdout, values.json === true ? JSON.stringify(report) : renderVersionReport(report));
  return 0;
}

export function renderVersionReport(r: VersionReport): string {
  const lines = [`racker ${r.version}`];
  const i = r.installed;
  if (i !== undefined) {
    if (i.current === undefined) lines.push('installed: none (racker is not installed on this machine)');
    else {
      lines.push(`current:   ${i.current}${i.previous === undefined ? '' : ` (previous: ${i.previous})`}`);
      lines.push(`installed: ${i.installed.join(', ')}`);
    }
  }
  const a = r.available;
  if (a !== undefined) {
    lines.push(`available from ${a.source}: ${a.versions.length === 0 ? 'none' : a.versions.join(', ')}`);
    if (a.update !== undefined) lines.push(`  racker update would install ${a.update}`);
    if (a.upgrade !== undefined) lines.push(`  racker upgrade would install ${a.upgrade}`);
  }
  for (const p of r.problems ?? []) lines.push(`note: ${p}`);
  return lines.join('\n');
}
