/**
 * The shared body of `racker update`, `upgrade`, `get VERSION` and `rollback`: parse flags, load
 * the configuration, act through installer/commands.ts, print what happened.
 */
import { loadConfig } from '../config/load.js';
import { exec } from '../lib/exec.js';
import { ErrorCodes, RackerError, UsageError, isEACCES } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { installFromSource, hostInstallDeps, type InstallerEnv, type Request } from '../../installer/commands.js';
import { rollback } from '../../installer/extractor/rollback.js';
import { renderSwitch } from '../../installer/extractor/switch-version.js';
import { isVersion } from '../../installer/versions.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { readVersionMarker, writeVersionMarker } from '../../factory/version-marker.js';
import { writeLine, type CliContext } from '../cli-kit/context.js';

export type InstallCommand = 'update' | 'upgrade' | 'get' | 'rollback';

const HELP: Record<InstallCommand, { usage: string; text: string }> = {
  update: { usage: 'racker update [--json] [--config FILE]', text: 'Install the newest release with the same major version as the current one.' },
  upgrade: { usage: 'racker upgrade [--json] [--config FILE]', text: 'Install the newest release, whatever its major version. Read its release notes first.' },
  get: { usage: 'racker get VERSION [--allow-downgrade] [--json] [--config FILE]', text: 'Install exactly VERSION. A version older than the current one only with --allow-downgrade.' },
  rollback: { usage: 'racker rollback [--json] [--config FILE]', text: 'Make the previous version current again; a second rollback undoes the first.' },
};

const COMMON_HELP = `
Releases come from installer.source in the configuration: a container image (docker or podman),
or a directory or URL with SHA256SUMS, payloads and their OpenPGP signatures. The version chosen
comes from signed data, and a payload whose checksum, signature or VERSION does not check out is
refused and nothing changes; nothing from an image is run. The agent is restarted
when it runs; if the new version does not become ready it is rolled back automatically.
Configuration and state (/etc/racker, /var/lib/racker, /usr/share/oem) are never touched.`;

export async function runInstallCommand(kind: InstallCommand, args: string[], ctx: CliContext): Promise<number> {
  try {
    return await runUnchecked(kind, args, ctx);
  } catch (e) {
    if (!isEACCES(e)) throw e;
    throw new RackerError(ErrorCodes.io, `racker ${kind} cannot write ${e.path ?? 'the install tree'}: permission denied`, { hint: `run it as root: sudo racker ${kind}`, cause: e });
  }
}

async function runUnchecked(kind: InstallCommand, args: string[], ctx: CliContext): Promise<number> {
  const { usage, text } = HELP[kind];
  const { values, positionals } = parseCommandArgs(args, kind === 'get' ? { 'allow-downgrade': { type: 'boolean' } } : {}, usage);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${usage}\n\n${text}\n${kind === 'rollback' ? '' : COMMON_HELP}`);
    return 0;
  }
  const expected = kind === 'get' ? 1 : 0;
  if (positionals.length !== expected) {
    throw new UsageError(kind === 'get' ? 'racker get needs exactly one VERSION' : `unexpected argument "${positionals[0]}"`, `usage: ${usage}`);
  }
  const version = positionals[0];
  if (version !== undefined && !isVersion(version)) throw new UsageError(`"${version}" is not a version (MAJOR.MINOR.PATCH)`, `usage: ${usage}`);
  const config = await loadConfig({ flag: values.config, env: ctx.env });
  const json = values.json === true;
  const say = (line: string): void => { if (!json) writeLine(ctx.stdout, line); };
  const env: InstallerEnv = { config: config.installer, exec, log: createLogger({ mode: 'cli', level: values.debug === true ? 'debug' : 'warn' }), say };
  const stateDir = config.paths.stateDir;
  if (kind === 'rollback') {
    const r = await rollback(hostInstallDeps(env));
    await writeVersionMarker(stateDir, r.to);
    writeLine(ctx.stdout, json ? JSON.stringify({ changed: true, version: r.to, from: r.from, restarted: r.restarted }) : renderSwitch(r, config.installer.agentUnit));
    return 0;
  }
  // No version marker: the factory reset this rack for hand-over, and its first update brings it to
  // the newest release, whatever its major version (factory/version-marker.ts).
  const firstUse = kind === 'update' && (await readVersionMarker(stateDir)) === undefined;
  if (firstUse) say('first use after a factory reset (no version marker): installing the newest release');
  const request: Request = kind === 'get' ? { kind, version: version as string, allowDowngrade: (values as Record<string, unknown>)['allow-downgrade'] === true } : kind === 'update' && !firstUse ? { kind } : { kind: 'upgrade' };
  const outcome = await installFromSource(request, env);
  await writeVersionMarker(stateDir, outcome.version);
  writeLine(ctx.stdout, json ? JSON.stringify(outcome) : outcome.message);
  return 0;
}
