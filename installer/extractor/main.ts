/**
 * `installer/extract`: install a payload. The installer image runs it with `--container`: it
 * checks that it can reach the host, then installs into the host's /opt. Without `--container`
 * it installs under `--root DIR` (default /), which is how tests and `racker get` use it.
 */
import { readlink } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exec } from '../../agent/lib/exec.js';
import { UsageError, errorMessage } from '../../agent/lib/errors.js';
import { createLogger } from '../../agent/lib/log.js';
import { handleError } from '../../agent/cli-kit/handle-error.js';
import { installerSection } from '../../agent/config/sections/installer.js';
import { checkContainerEscape } from './container.js';
import { containerHost, rootHost } from './host.js';
import { installPayload } from './install.js';
import { SystemctlServiceManager } from './service-manager.js';
import { renderSwitch } from './switch-version.js';

export const USAGE = 'extract [--root DIR | --container] --payload FILE [--systemctl PROGRAM] [--agent-unit UNIT] [--keep N] [--ready-timeout SECONDS] [--hold UNIT]...';

export async function runExtract(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv], strict: true, options: {
        root: { type: 'string' }, container: { type: 'boolean' }, payload: { type: 'string' },
        systemctl: { type: 'string' }, 'agent-unit': { type: 'string' }, keep: { type: 'string' },
        'ready-timeout': { type: 'string' }, hold: { type: 'string', multiple: true }, debug: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UsageError(errorMessage(e), `usage: ${USAGE}`);
  }
  if (values.payload === undefined) throw new UsageError('--payload FILE is required', `usage: ${USAGE}`);
  if (values.container === true && values.root !== undefined) throw new UsageError('--root and --container exclude each other', `usage: ${USAGE}`);
  const defaults = installerSection.parse({});
  const number = (v: string | undefined, name: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a positive whole number, not "${v}"`, `usage: ${USAGE}`);
    return Number(v);
  };
  const keep = number(values.keep, 'keep', defaults.keepVersions);
  if (keep < 2) throw new UsageError('--keep must be at least 2 (current and previous)', `usage: ${USAGE}`);
  const log = createLogger({ mode: 'cli', level: values.debug === true ? 'debug' : 'warn' });
  let host;
  if (values.container === true) {
    await checkContainerEscape({ readlink: (p) => readlink(p), exec }, env.RACKER_IMAGE);
    host = containerHost(exec);
  } else {
    host = rootHost(values.root ?? '/', exec);
  }
  const say = (line: string): void => { process.stdout.write(`${line}\n`); };
  const result = await installPayload(values.payload, {
    host, exec, log, say,
    services: new SystemctlServiceManager(values.systemctl ?? defaults.systemctl, host.exec),
    settings: {
      agentUnit: values['agent-unit'] ?? defaults.agentUnit,
      keepVersions: keep,
      readyTimeoutMs: number(values['ready-timeout'], 'ready-timeout', defaults.readyTimeoutSeconds) * 1000,
      rebootHolders: values.hold ?? defaults.rebootHolders,
    },
  });
  say(renderSwitch(result, values['agent-unit'] ?? defaults.agentUnit));
  say('Installation complete; run: racker --help');
  return 0;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    process.exitCode = await runExtract(argv, process.env);
  } catch (e) {
    process.exitCode = handleError(e, process.stderr, { debug: argv.includes('--debug') });
  }
}
