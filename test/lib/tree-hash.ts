/** A digest of every path, mode and content under a directory: equal digests mean nothing changed. */
import { createHash } from 'node:crypto';
import { readdir, readFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';

export async function treeHash(root: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const s = await lstat(p);
      h.update(`${p}\0${s.mode}\0${s.mtimeMs}\0`);
      if (s.isDirectory()) await walk(p);
      else if (s.isFile()) h.update(await readFile(p));
    }
  };
  await walk(root);
  return h.digest('hex');
}
