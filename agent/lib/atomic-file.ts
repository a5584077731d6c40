/**
 * Atomic file writes for everything the agent depends on after a power cut: write a temporary file
 * in the same directory, fsync it, rename it over the target, fsync the directory. Readers see the
 * old content or the new, never a torn file. An existing file's mode and owner are kept unless a
 * mode is given.
 */
import { open, rename, stat, unlink, chown, readFile, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isENOENT } from './errors.js';

export interface AtomicWriteOptions {
  /** File mode for the result; default: the existing file's, or 0644 for a new file. */
  mode?: number;
  /** Create missing parent directories (mode 0755, or 0700 when mode has no group/other bits). */
  mkdirs?: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  if (options.mkdirs === true) {
    await mkdir(dir, { recursive: true, mode: options.mode !== undefined && (options.mode & 0o077) === 0 ? 0o700 : 0o755 });
  }
  let existing: { mode: number; uid: number; gid: number } | undefined;
  try {
    const s = await stat(path);
    existing = { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
  } catch (e) {
    if (!isENOENT(e)) throw e;
  }
  const mode = options.mode ?? existing?.mode ?? 0o644;
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // Created with the final mode from the start, so a secret never exists world-readable even briefly.
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode); // open()'s mode is filtered by the umask; chmod is not
    if (existing !== undefined && (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.())) {
      await chown(tmp, existing.uid, existing.gid);
    }
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined); /* best effort: the write already failed */
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined); /* best effort: the rename already failed */
    throw e;
  }
  await syncDirectory(dir);
}

/** Write only when the content differs; returns whether it wrote. Avoids needless reloads and disk wear. */
export async function writeFileIfChanged(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<boolean> {
  try {
    const current = await readFile(path);
    const next = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    if (current.equals(next)) {
      if (options.mode !== undefined && ((await stat(path)).mode & 0o7777) !== options.mode) {
        await writeFileAtomic(path, data, options);
        return true;
      }
      return false;
    }
  } catch (e) {
    if (!isENOENT(e)) throw e;
  }
  await writeFileAtomic(path, data, options);
  return true;
}

/** fsync a directory so a rename in it survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
