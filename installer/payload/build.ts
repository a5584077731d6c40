/**
 * Build `racker-<version>-linux-x64.tar.gz` from conf.yaml: fill each module's directory in a
 * staging tree, run its build commands, write VERSION and MANIFEST, then pack the tree
 * reproducibly. The same code builds the small fixture payloads the tests use.
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import type { Logger } from '../../agent/lib/log.js';
import { gzipFile, payloadFileName, tarCreateArgs } from '../archive.js';
import { hashTree, renderManifest, sha256File } from '../manifest.js';
import { MANIFEST_FILE } from '../../agent/config/paths.js';
import { isVersion } from '../versions.js';
import { placeAsset } from './assets.js';
import type { BuildConf } from '../../agent/config/build-conf.js';

export interface BuildOptions {
  conf: BuildConf;
  /** Relative asset paths and `{repo}` resolve against this. */
  repoDir: string;
  outDir: string;
  cacheDir: string;
  /** Default: package.json's version. */
  version?: string;
  exec: Exec;
  log: Logger;
}

export interface BuiltPayload {
  file: string;
  version: string;
  sha256: string;
}

export const VERSION_FILE = 'VERSION';

/** The build cache: RACKER_BUILD_CACHE, else $XDG_CACHE_HOME/racker-build, else ~/.cache/racker-build. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.RACKER_BUILD_CACHE !== undefined && env.RACKER_BUILD_CACHE !== '') return env.RACKER_BUILD_CACHE;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'racker-build');
}

/** Expand `{repo}` and `{module}` in a build command's arguments. */
export function expandCommand(argv: readonly string[], vars: { repo: string; module: string }): string[] {
  return argv.map((a) => a.replaceAll('{repo}', vars.repo).replaceAll('{module}', vars.module));
}

export async function buildPayload(o: BuildOptions): Promise<BuiltPayload> {
  const version = o.version ?? (JSON.parse(await readFile(join(o.repoDir, 'package.json'), 'utf8')) as { version: string }).version;
  if (!isVersion(version)) throw new RackerError(ErrorCodes.build, `version "${version}" is not a semantic version (MAJOR.MINOR.PATCH)`);
  await mkdir(o.outDir, { recursive: true });
  const work = await mkdtemp(join(o.outDir, '.build-'));
  const stage = join(work, 'payload');
  const log = o.log.child({ component: 'payload', version });
  try {
    await mkdir(stage);
    for (const mod of o.conf.modules) {
      const moduleDir = join(stage, mod.name);
      await mkdir(moduleDir, { recursive: true });
      for (const asset of mod.assets) await placeAsset(asset, moduleDir, { repoDir: o.repoDir, cacheDir: o.cacheDir, exec: o.exec });
      for (const argv of mod.build) {
        const [file, ...args] = expandCommand(argv, { repo: o.repoDir, module: moduleDir });
        log.info({ module: mod.name, command: [file, ...args].join(' ') }, 'build command');
        await o.exec(file as string, args, { cwd: moduleDir, timeoutMs: 600_000 });
      }
    }
    await writeFile(join(stage, VERSION_FILE), `${version}\n`);
    await writeFile(join(stage, MANIFEST_FILE), renderManifest(await hashTree(stage)));
    const tar = join(work, 'payload.tar');
    await o.exec('tar', tarCreateArgs(stage, tar), { timeoutMs: 600_000 });
    const file = join(o.outDir, payloadFileName(version));
    await gzipFile(tar, join(work, 'payload.tar.gz'));
    await rename(join(work, 'payload.tar.gz'), file);
    const sha256 = await sha256File(file);
    log.info({ file, sha256 }, 'payload built');
    return { file, version, sha256 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
