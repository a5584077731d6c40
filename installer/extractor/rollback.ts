/**
 * `racker rollback`: make the previous version current again, with the same checks, restart,
 * readiness wait and automatic flip-back as an install. The version left behind becomes
 * `previous`, so a second rollback undoes the first.
 */
import { join } from 'node:path';
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import { pathExists } from '../../agent/lib/path-exists.js';
import { verifyTree } from '../manifest.js';
import { acquireInstallLock } from './lock.js';
import { holdReboots } from './reboot-hold.js';
import { switchVersion, type SwitchResult } from './switch-version.js';
import { VersionStore } from './version-store.js';
import type { InstallDeps } from './install.js';

export async function rollback(d: Omit<InstallDeps, 'exec'>): Promise<SwitchResult> {
  const store = new VersionStore(d.host);
  if (!(await pathExists(store.base))) {
    throw new RackerError(ErrorCodes.notFound, `racker is not installed on this machine (${store.base} does not exist): there is nothing to roll back`,
      { hint: 'install racker first (docs/installer.md); `racker version` shows what is installed' });
  }
  const lock = await acquireInstallLock(join(store.base, '.lock'));
  try {
    const previous = await store.previous();
    const current = await store.current();
    if (previous === undefined || previous === current) {
      throw new RackerError(ErrorCodes.notFound, `there is no previous version to roll back to (current: ${current ?? 'none'})`,
        { hint: 'install a version with `racker get VERSION` instead' });
    }
    await verifyTree(store.versionDir(previous), `installed racker ${previous}`);
    const hold = await holdReboots(d.services, d.settings.rebootHolders, d.log);
    try {
      return await switchVersion(previous, { ...d, store, agentUnit: d.settings.agentUnit, readyTimeoutMs: d.settings.readyTimeoutMs });
    } finally {
      await hold.release();
    }
  } finally {
    await lock.release();
  }
}
