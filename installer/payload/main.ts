/**
 * `npm run payload`: build racker-<version>-linux-x64.tar.gz into build/ (or --out DIR) from
 * conf.yaml. Prints the file and its sha256.
 */
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exec } from '../../agent/lib/exec.js';
import { createLogger } from '../../agent/lib/log.js';
import { handleError } from '../../agent/cli-kit/handle-error.js';
import { UsageError, errorMessage } from '../../agent/lib/errors.js';
import { loadBuildConf, unpinnedWarnings } from '../../agent/config/build-conf.js';
import { buildPayload, defaultCacheDir } from './build.js';

const USAGE = 'npm run payload -- [--out DIR] [--conf FILE] [--version X.Y.Z]';

async function main(argv: string[]): Promise<number> {
  const repoDir = fileURLToPath(new URL('../../../', import.meta.url));
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string' }, conf: { type: 'string' }, version: { type: 'string' } }, strict: true }));
  } catch (e) {
    throw new UsageError(errorMessage(e), `usage: ${USAGE}`);
  }
  const confFile = resolve(values.conf ?? join(repoDir, 'conf.yaml'));
  const conf = await loadBuildConf(confFile);
  const log = createLogger({ mode: 'cli' });
  const built = await buildPayload({
    conf, repoDir, outDir: resolve(values.out ?? join(repoDir, 'build')), cacheDir: defaultCacheDir(process.env),
    version: values.version, exec, log,
  });
  // After the build's own lines, where it is read: not a failure (Flatcar-only payloads are fine).
  for (const w of unpinnedWarnings(conf.pins, confFile)) log.warn({ component: 'payload', version: built.version }, w);
  process.stdout.write(`${built.file}\nsha256 ${built.sha256}\n`);
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.exitCode = handleError(e, process.stderr, { debug: process.argv.includes('--debug') });
});
