/**
 * The production dependencies to ship, read from package-lock.json (lockfile v2/v3): every
 * installed package not marked `dev`. Pure, so the selection is tested by value; the build copies
 * what it names from node_modules.
 */
import { ErrorCodes, RackerError, errorMessage } from '../../agent/lib/errors.js';

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
}

export interface ProductionPackage {
  /** Path from the repository root, e.g. `node_modules/pino-pretty/node_modules/sonic-boom`. */
  path: string;
  /** Optional dependencies may be absent on this platform; the build skips them then. */
  optional: boolean;
}

export function productionPackages(lockText: string, file = 'package-lock.json'): ProductionPackage[] {
  let lock: { lockfileVersion?: number; packages?: Record<string, LockPackage> };
  try {
    lock = JSON.parse(lockText) as typeof lock;
  } catch (e) {
    throw new RackerError(ErrorCodes.build, `${file} is not JSON: ${errorMessage(e)}`, { hint: 'run npm install to regenerate it' });
  }
  if (lock.packages === undefined || (lock.lockfileVersion ?? 0) < 2) {
    throw new RackerError(ErrorCodes.build, `${file} has no "packages" section (lockfile version ${lock.lockfileVersion ?? 'unknown'})`,
      { hint: 'regenerate it with npm 7 or newer (npm install)' });
  }
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && p.dev !== true && p.link !== true)
    .map(([path, p]) => ({ path, optional: p.optional === true }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
