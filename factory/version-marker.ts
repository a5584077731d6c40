/**
 * The racker version marker: `<stateDir>/racker-version`, one line with the version of racker
 * that last ran on this rack. Its absence means "first use here": the first `racker bootstrap`
 * (or `racker update`) then brings racker up to the newest release before it provisions, which is
 * what the factory wants for hand-over (`racker factory reset --racker-version`). It lives in the
 * state directory (not under /opt/racker, which belongs to the installer and is replaced by
 * updates) and is the only file `reset --racker-version` touches.
 */
import { readFile } from 'node:fs/promises';
import { stateFiles } from '../agent/config/paths.js';
import { writeFileAtomic } from '../agent/lib/atomic-file.js';
import { isENOENT } from '../agent/lib/errors.js';

export const versionMarkerPath = (stateDir: string): string => stateFiles(stateDir).versionMarker;

/** The recorded version, or undefined when the marker is absent (first use after a hand-over reset). */
export async function readVersionMarker(stateDir: string): Promise<string | undefined> {
  try {
    return (await readFile(versionMarkerPath(stateDir), 'utf8')).trim() || undefined;
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw e;
  }
}

export async function writeVersionMarker(stateDir: string, version: string): Promise<void> {
  await writeFileAtomic(versionMarkerPath(stateDir), `${version}\n`, { mode: 0o644, mkdirs: true });
}
