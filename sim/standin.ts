/**
 * The OS the simulated servers boot: the stand-in built from Debian packages (standin-os/build.sh: a
 * systemd system in the initramfs that applies Ignition before its units start), cached by the hash
 * of its build inputs under the cache directory (/var/cache/racker-sim, or RACKER_SIM_CACHE), or
 * real Flatcar PXE images from `--flatcar DIR`. The management node's rootfs is cached the same way
 * (mgmt-node.ts), with the same build-once lock.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { pathExists } from '../agent/lib/path-exists.js';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Exec } from '../agent/lib/exec.js';
import { ErrorCodes, RackerError, errorMessage } from '../agent/lib/errors.js';

export const DEFAULT_CACHE_DIR = '/var/cache/racker-sim';
export const STANDIN_SRC = fileURLToPath(new URL('../../sim/standin-os/', import.meta.url)).replace(/\/$/, '');

export interface BootOs {
  kind: 'standin' | 'flatcar';
  /** Directory with Flatcar's file names (a boot service's local asset directory). */
  assetsDir: string;
  kernel: string;
  initrd: string;
}

export function cacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const v = env.RACKER_SIM_CACHE;
  return v !== undefined && v !== '' ? v : DEFAULT_CACHE_DIR;
}

/** Hash of the build script and everything it copies from the source directory (recursively; file modes count). */
export async function standinBuildKey(srcDir = STANDIN_SRC): Promise<string> {
  const h = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    for (const e of (await readdir(join(srcDir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(name);
      else if (e.isSymbolicLink()) h.update(`${name}\0->${await readlink(join(srcDir, name))}\0`);
      // A top-level file hashes as it always did, so a directory without subdirectories keeps its key.
      else h.update(name).update('\0').update(await readFile(join(srcDir, name))).update('\0');
      if (rel !== '' && e.isFile()) h.update(`mode ${(await stat(join(srcDir, name))).mode & 0o777}\0`);
    }
  };
  await walk('');
  return h.digest('hex').slice(0, 16);
}


/**
 * Run BUILD unless MARKER exists, holding an flock on LOCK: the test command builds the images in the
 * background while the first `racker-sim create` may want them too; the second caller waits for the
 * first and then finds the marker, instead of building the same image twice at once. flock(1) rather
 * than a lock file of our own: the kernel drops the lock when the holder dies, so none goes stale.
 */
export async function buildOnce(exec: Exec, lock: string, marker: string, build: readonly string[], timeoutMs: number): Promise<void> {
  await exec('flock', [lock, 'sh', '-c', 'test -e "$0" || exec "$@"', marker, ...build], { timeoutMs });
}

/** The stand-in OS, built if this version of its sources has not been built yet. */
export async function ensureStandinOs(exec: Exec, cache: string, log: (line: string) => void): Promise<BootOs> {
  const out = join(cache, 'standin-os', await standinBuildKey());
  const os: BootOs = { kind: 'standin', assetsDir: join(out, 'flatcar'), kernel: join(out, 'vmlinuz'), initrd: join(out, 'initramfs.cpio.zst') };
  const marker = join(out, 'flatcar', 'current', 'version.txt');
  if (await pathExists(marker)) return os;
  log(`building the stand-in OS in ${out} (once per version of sim/standin-os; a few minutes: mmdebstrap downloads its packages)`);
  try {
    await mkdir(join(cache, 'standin-os'), { recursive: true });
    await buildOnce(exec, join(cache, 'standin-os', '.build.lock'), marker, ['sh', join(STANDIN_SRC, 'build.sh'), out, join(cache, 'debs')], 15 * 60_000);
  } catch (e) {
    throw new RackerError(ErrorCodes.sim, `building the stand-in OS failed: ${errorMessage(e)}`,
      { hint: 'it needs mmdebstrap and a Debian mirror, apt (to download the Debian kernel package), busybox and zstd; see scripts/debian-packages.txt', cause: e });
  }
  return os;
}

/** Real Flatcar PXE images: DIR holds flatcar_production_pxe.vmlinuz and flatcar_production_pxe_image.cpio.gz. */
export async function flatcarOs(dir: string): Promise<BootOs> {
  const kernel = join(dir, 'flatcar_production_pxe.vmlinuz');
  const initrd = join(dir, 'flatcar_production_pxe_image.cpio.gz');
  for (const f of [kernel, initrd]) {
    if (!(await pathExists(f))) throw new RackerError(ErrorCodes.sim, `--flatcar ${dir}: ${f} is missing`, { hint: 'download flatcar_production_pxe.vmlinuz and flatcar_production_pxe_image.cpio.gz from https://stable.release.flatcar-linux.net/amd64-usr/current/' });
  }
  return { kind: 'flatcar', assetsDir: dir, kernel, initrd };
}
