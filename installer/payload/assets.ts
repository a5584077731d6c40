/**
 * Putting a module's assets in place: files from the repository or the build machine (optionally
 * pinned by sha256), downloads pinned by sha256, files from npm packages pinned by version and
 * integrity, and the production dependencies. Downloads are cached (RACKER_BUILD_CACHE, default
 * ~/.cache/racker-build) and re-checked on every use, so a build downloads each asset once.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError, isENOENT } from '../../agent/lib/errors.js';
import { sha256File } from '../manifest.js';
import { tarExtractMembersArgs } from '../archive.js';
import type { Asset } from '../../agent/config/build-conf.js';
import { productionPackages } from './production-deps.js';

export interface AssetContext {
  repoDir: string;
  cacheDir: string;
  exec: Exec;
  /** Used by URL assets; tests pass their own. */
  fetch?: typeof fetch;
}

/** Put one asset into `moduleDir`. */
export async function placeAsset(asset: Asset, moduleDir: string, ctx: AssetContext): Promise<void> {
  switch (asset.type) {
    case 'file': return placeFile(asset, moduleDir, ctx);
    case 'url': return placeUrl(asset, moduleDir, ctx);
    case 'npm': return placeNpm(asset, moduleDir, ctx);
    case 'production-deps': return placeProductionDeps(moduleDir, ctx);
  }
}

async function placeFile(asset: Extract<Asset, { type: 'file' }>, moduleDir: string, ctx: AssetContext): Promise<void> {
  const src = isAbsolute(asset.path) ? asset.path : join(ctx.repoDir, asset.path);
  let st;
  try {
    st = await stat(src); // follows a link: Debian's ipxe.efi is one, to /boot/ipxe.efi
  } catch (e) {
    if (isENOENT(e) && asset.optional) return;
    if (isENOENT(e)) throw new RackerError(ErrorCodes.build, `asset ${asset.path} does not exist`, { hint: hintFor(asset.path) });
    throw e;
  }
  const dest = join(moduleDir, asset.dest ?? basename(asset.path));
  if (st.isDirectory()) {
    if (asset.sha256 !== undefined) throw new RackerError(ErrorCodes.build, `asset ${asset.path} is a directory; sha256 pins only single files`);
    await copyTree(src, dest);
    return;
  }
  if (!st.isFile()) throw new RackerError(ErrorCodes.build, `asset ${asset.path} is neither a file nor a directory`);
  if (asset.sha256 !== undefined) await expectSha256(src, asset.sha256, asset.path);
  await mkdir(dirname(dest), { recursive: true });
  await copyFile(src, dest);
  if (asset.mode !== undefined) await chmod(dest, asset.mode);
}

function hintFor(path: string): string {
  return path.startsWith('/usr/lib/ipxe') ? 'install the Debian package ipxe (scripts/setup.sh does)' : 'check the path in conf.yaml';
}

async function placeUrl(asset: Extract<Asset, { type: 'url' }>, moduleDir: string, ctx: AssetContext): Promise<void> {
  const cached = join(ctx.cacheDir, 'url', `${asset.sha256}-${basename(new URL(asset.url).pathname) || 'download'}`);
  if (!(await hasSha256(cached, asset.sha256))) {
    await mkdir(dirname(cached), { recursive: true });
    const response = await (ctx.fetch ?? fetch)(asset.url);
    if (!response.ok || response.body === null) {
      throw new RackerError(ErrorCodes.build, `download of ${asset.url} failed: HTTP ${response.status}`, { hint: 'check the URL in conf.yaml and the network' });
    }
    const tmp = `${cached}.part`;
    await writeFile(tmp, Buffer.from(await response.arrayBuffer()));
    await expectSha256(tmp, asset.sha256, asset.url);
    await rename(tmp, cached);
  }
  const dest = join(moduleDir, asset.dest);
  await mkdir(dirname(dest), { recursive: true });
  await copyFile(cached, dest);
  if (asset.mode !== undefined) await chmod(dest, asset.mode);
}

async function placeNpm(asset: Extract<Asset, { type: 'npm' }>, moduleDir: string, ctx: AssetContext): Promise<void> {
  const dir = join(ctx.cacheDir, 'npm');
  const tgz = join(dir, `${asset.package.replace(/^@/, '').replace('/', '-')}-${asset.version}.tgz`);
  if (!(await hasIntegrity(tgz, asset.integrity))) {
    await mkdir(dir, { recursive: true });
    // npm pack fetches through npm's own cache and registry configuration, then we check the pin.
    await ctx.exec('npm', ['pack', `${asset.package}@${asset.version}`, '--pack-destination', dir, '--silent'],
      { cwd: dir, timeoutMs: 600_000 });
    if (!(await hasIntegrity(tgz, asset.integrity))) {
      await rm(tgz, { force: true });
      throw new RackerError(ErrorCodes.build, `${asset.package}@${asset.version} from the npm registry does not have integrity ${asset.integrity.slice(0, 20)}…`,
        { hint: 'the registry served something else than what conf.yaml pins: check the pin (npm view PACKAGE@VERSION dist.integrity)' });
    }
  }
  const tmp = await mkdtemp(join(moduleDir, '.npm-'));
  try {
    await ctx.exec('tar', tarExtractMembersArgs(tgz, tmp, asset.files.map((f) => `package/${f}`)), { timeoutMs: 300_000 });
    for (const f of asset.files) {
      await mkdir(dirname(join(moduleDir, f)), { recursive: true });
      await rename(join(tmp, 'package', f), join(moduleDir, f));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function placeProductionDeps(moduleDir: string, ctx: AssetContext): Promise<void> {
  const lock = await readFile(join(ctx.repoDir, 'package-lock.json'), 'utf8');
  for (const pkg of productionPackages(lock)) {
    const src = join(ctx.repoDir, pkg.path);
    try {
      await lstat(src);
    } catch (e) {
      if (isENOENT(e) && pkg.optional) continue; // an optional dependency for another platform
      if (isENOENT(e)) throw new RackerError(ErrorCodes.build, `${pkg.path} is not installed`, { hint: 'run npm ci first' });
      throw e;
    }
    // Nested node_modules are listed on their own; .bin holds only links to scripts we never run.
    await copyTree(src, join(moduleDir, pkg.path), (name) => name !== 'node_modules' && name !== '.bin');
  }
}

/** Copy a directory tree of plain files; links are refused (payloads hold none), except where filtered out. */
async function copyTree(src: string, dest: string, keep: (name: string) => boolean = () => true): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const name of await readdir(src)) {
    if (!keep(name)) continue;
    const from = join(src, name);
    const st = await lstat(from);
    if (st.isDirectory()) await copyTree(from, join(dest, name), keep);
    else if (st.isFile()) await copyFile(from, join(dest, name));
    else throw new RackerError(ErrorCodes.build, `${from} is a link or special file; payloads hold only plain files`);
  }
}

async function expectSha256(path: string, want: string, what: string): Promise<void> {
  const got = await sha256File(path);
  if (got !== want) {
    throw new RackerError(ErrorCodes.build, `${what} has sha256 ${got}, conf.yaml pins ${want}`,
      { hint: 'if the new file is intended, update the pin in conf.yaml; otherwise find out why it changed' });
  }
}

async function hasSha256(path: string, want: string): Promise<boolean> {
  try {
    return (await sha256File(path)) === want;
  } catch (e) {
    if (isENOENT(e)) return false;
    throw e;
  }
}

async function hasIntegrity(path: string, integrity: string): Promise<boolean> {
  try {
    const hash = createHash('sha512');
    await pipeline(createReadStream(path), hash);
    return `sha512-${hash.digest('base64')}` === integrity;
  } catch (e) {
    if (isENOENT(e)) return false;
    throw e;
  }
}
