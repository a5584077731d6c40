/**
 * systemd units travel in each version's `units/` and are copied to /etc/systemd/system, so the
 * unit files always match the version that is current. A unit the old version shipped and the new
 * one does not is removed, but only while it still has the content racker put there (an operator's
 * edited copy is left alone).
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isENOENT } from '../../agent/lib/errors.js';
import { writeFileIfChanged } from '../../agent/lib/atomic-file.js';

async function unitFiles(versionDir: string | undefined): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (versionDir === undefined) return out;
  let names: string[];
  try {
    names = await readdir(join(versionDir, 'units'));
  } catch (e) {
    if (isENOENT(e)) return out; // a version without units
    throw e;
  }
  for (const name of names.sort()) {
    if (/\.(service|socket|timer|path|target|mount|conf)$/.test(name)) out.set(name, await readFile(join(versionDir, 'units', name)));
  }
  return out;
}

/** Install `toDir`'s units in `unitDir`, replacing `fromDir`'s. Returns the unit files that changed. */
export async function installUnits(unitDir: string, toDir: string, fromDir: string | undefined): Promise<string[]> {
  const next = await unitFiles(toDir);
  const old = await unitFiles(fromDir);
  const changed: string[] = [];
  for (const [name, content] of next) {
    if (await writeFileIfChanged(join(unitDir, name), content, { mode: 0o644, mkdirs: true })) changed.push(name);
  }
  for (const [name, content] of old) {
    if (next.has(name)) continue;
    try {
      if ((await readFile(join(unitDir, name))).equals(content)) {
        await unlink(join(unitDir, name));
        changed.push(name);
      }
    } catch (e) {
      if (!isENOENT(e)) throw e;
    }
  }
  return changed;
}
