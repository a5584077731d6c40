/**
 * The racker version marker: `<stateDir>/racker-version`, one line with the version of racker
 * that last ran on this rack. Its absence means "first use here": the first `racker bootstrap`
 * (or `racker update`) then brings racker up to the newest release before it provisions, which is
 * what the factory wants for hand-over (`racker factory reset --racker-version`). It lives in the
 * state directory (not under /opt/racker, which belongs to the installer and is replaced by
 * updates) and is the only file `reset --racker-version` touches.
 */
import { join } from 'node:path';

export const VERSION_MARKER_NAME = 'racker-version';
export const versionMarkerPath = (stateDir: string): string => join(stateDir, VERSION_MARKER_NAME);
