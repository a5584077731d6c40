/**
 * What a simulated server's installed system holds, read from its disk as a technician with the
 * drive in hand would: the stand-in OS keeps what Ignition wrote at the installed system's first
 * boot in racker-standin/root.tar on the disk's OEM file system (sim/standin-os/init.sh). The
 * disk is copied first (qemu-img -U: the server may still run), the copy's journal replayed
 * (e2fsck: the file system is mounted in the running server, so recent writes may sit in the
 * journal only), and the archive taken out with debugfs, so nothing is mounted and the server's
 * own disk is never written. signatures() is what blkid finds on a disk image, as a technician
 * checking an erased disk would see it.
 */
import { execa } from 'execa';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import { pathExists } from '../../agent/lib/path-exists.js';

/** Every file Ignition wrote under DIR (e.g. home/core/.ssh) on the installed system: path relative to the root → content. */
export async function installedFiles(diskPath: string, dir: string): Promise<Record<string, string>> {
  const tmp = await makeTempDir('racker-sim-disk-');
  try {
    const raw = join(tmp, 'disk.raw');
    await execa('qemu-img', ['convert', '-U', '-O', 'raw', diskPath, raw]);
    // 0: clean, 1: corrected (the journal replayed); more is a damaged file system.
    const fsck = await execa('e2fsck', ['-fy', raw], { reject: false });
    if ((fsck.exitCode ?? 8) > 1) throw new Error(`e2fsck of a copy of ${diskPath}: exit ${fsck.exitCode ?? '?'}\n${fsck.stdout}${fsck.stderr}`);
    const tar = join(tmp, 'root.tar');
    const dump = await execa('debugfs', ['-R', `dump /racker-standin/root.tar ${tar}`, raw]);
    if (!(await pathExists(tar))) throw new Error(`${diskPath} holds no racker-standin/root.tar (the installed system kept nothing Ignition wrote): ${dump.stderr}`);
    const root = join(tmp, 'root');
    await mkdir(root);
    await execa('tar', ['-xf', tar, '-C', root]);
    const out: Record<string, string> = {};
    for (const e of await readdir(join(root, dir), { withFileTypes: true, recursive: true }).catch(() => [])) {
      if (e.isFile()) out[relative(root, join(e.parentPath, e.name))] = await readFile(join(e.parentPath, e.name), 'utf8');
    }
    return out;
  } finally {
    await removeTempDir(tmp);
  }
}

/**
 * The signatures (partition table, file system, with their labels) blkid finds on a disk image
 * (qcow2 images are read through a raw copy), one sorted `KEY=value` line each; '' when none is left.
 */
export async function signatures(image: string): Promise<string> {
  const tmp = await makeTempDir('racker-sim-disk-');
  try {
    let raw = image;
    if (image.endsWith('.qcow2')) {
      raw = join(tmp, 'disk.raw');
      await execa('qemu-img', ['convert', '-U', '-O', 'raw', image, raw]);
    }
    // -p: probe the device itself, not blkid's cache; exit 2: nothing found.
    const r = await execa('blkid', ['-p', '-o', 'export', raw], { reject: false });
    if (r.exitCode === 2) return '';
    if (r.exitCode !== 0) throw new Error(`blkid -p ${image}: exit ${r.exitCode ?? '?'}: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => /^(PTTYPE|TYPE|LABEL)=/.test(l)).sort().join('\n');
  } finally {
    await removeTempDir(tmp);
  }
}
