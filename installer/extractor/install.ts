/**
 * Install a payload: check the archive, unpack it next to the installed versions, verify every
 * file against the MANIFEST, check that the new version runs on this host, then switch to it with
 * OS-update reboots held off, and keep the last few versions. A payload that fails any check is
 * refused before anything the host uses has changed.
 */
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError, isRackerError, errorMessage } from '../../agent/lib/errors.js';
import type { Logger } from '../../agent/lib/log.js';
import { tarExtractArgs } from '../archive.js';
import { verifyTree } from '../manifest.js';
import { MANIFEST_FILE } from '../../agent/config/paths.js';
import { isSafeRelativePath } from '../../agent/lib/relative-path.js';
import { isVersion } from '../versions.js';
import type { Host } from './host.js';
import { acquireInstallLock } from './lock.js';
import { holdReboots } from './reboot-hold.js';
import type { ServiceManager } from './service-manager.js';
import { switchVersion, type SwitchResult } from './switch-version.js';
import { VersionStore } from './version-store.js';
import { pathExists } from '../../agent/lib/path-exists.js';

export interface InstallSettings {
  agentUnit: string;
  keepVersions: number;
  readyTimeoutMs: number;
  rebootHolders: readonly string[];
}

export interface InstallDeps {
  host: Host;
  services: ServiceManager;
  /** Runs programs here (tar on the payload, which is a local file even in the container). */
  exec: Exec;
  log: Logger;
  say: (line: string) => void;
  settings: InstallSettings;
}

export interface InstallResult extends SwitchResult {
  /** False when this version was already installed with the same content. */
  unpacked: boolean;
  pruned: string[];
}

export async function installPayload(payload: string, d: InstallDeps): Promise<InstallResult> {
  const what = `payload ${basename(payload)}`;
  await checkArchive(payload, what, d.exec);
  const store = new VersionStore(d.host);
  await mkdir(store.versionsDir, { recursive: true });
  const lock = await acquireInstallLock(join(store.base, '.lock'));
  try {
    const { version, unpacked } = await unpack(payload, what, store, d);
    try {
      await selfTest(version, store, d);
    } catch (e) {
      if (unpacked) await rm(store.versionDir(version), { recursive: true, force: true });
      throw e;
    }
    const hold = await holdReboots(d.services, d.settings.rebootHolders, d.log);
    let result: SwitchResult;
    try {
      result = await switchVersion(version, { ...d, store, agentUnit: d.settings.agentUnit, readyTimeoutMs: d.settings.readyTimeoutMs });
    } catch (e) {
      if (unpacked && (await store.current()) !== version) await rm(store.versionDir(version), { recursive: true, force: true });
      throw e;
    } finally {
      await hold.release();
    }
    const pruned = await store.prune(d.settings.keepVersions);
    return { ...result, unpacked, pruned };
  } finally {
    await lock.release();
  }
}

/** Read the whole archive (gzip CRC, tar structure) and check member names before unpacking anything. */
async function checkArchive(payload: string, what: string, exec: Exec): Promise<void> {
  let listing: string;
  try {
    listing = (await exec('tar', ['--list', '--gzip', '--file', payload], { timeoutMs: 600_000 })).stdout;
  } catch (e) {
    if (!isRackerError(e)) throw e;
    throw new RackerError(ErrorCodes.payload, `${what} is damaged or not a payload: ${e.message}`,
      { hint: 'fetch it again; check its sha256 against the release', cause: e });
  }
  for (const name of listing.split('\n')) {
    if (name === '' || name === './') continue;
    const rel = name.replace(/^\.\//, '').replace(/\/$/, '');
    if (!name.startsWith('./') || !isSafeRelativePath(rel)) {
      throw new RackerError(ErrorCodes.payload, `${what} contains an unsafe member ${JSON.stringify(name)}`,
        { hint: 'this is not a payload built by `npm run payload`; do not install it' });
    }
  }
}

async function unpack(payload: string, what: string, store: VersionStore, d: InstallDeps): Promise<{ version: string; unpacked: boolean }> {
  const staging = await mkdtemp(join(store.versionsDir, '.incoming-'));
  try {
    try {
      await d.exec('tar', tarExtractArgs(payload, staging), { timeoutMs: 600_000 });
    } catch (e) {
      if (!isRackerError(e)) throw e;
      throw new RackerError(ErrorCodes.payload, `${what} could not be unpacked: ${e.message}`, { hint: 'check free space in /opt; fetch the payload again' });
    }
    const version = (await readFile(join(staging, 'VERSION'), 'utf8').catch(() => '')).trim();
    if (!isVersion(version)) throw new RackerError(ErrorCodes.payload, `${what} has no valid VERSION file (found ${JSON.stringify(version.slice(0, 40))})`);
    await verifyTree(staging, what);
    const target = store.versionDir(version);
    if (await pathExists(target)) {
      const installed = await compareInstalled(staging, target, version);
      if (installed === 'same') {
        d.say(`racker ${version} is already installed; its files check out`);
        return { version, unpacked: false };
      }
      if (installed === 'different' && (await store.current()) === version) {
        throw new RackerError(ErrorCodes.conflict, `racker ${version} is current and ${what} holds different files under the same version`,
          { hint: 'a version number must not be reused; build the change as a new version' });
      }
      d.say(installed === 'damaged'
        ? `installed racker ${version} no longer matches its MANIFEST; repairing it from the payload`
        : `replacing installed racker ${version}, whose files differ from the payload`);
      // Move the old tree aside first: for a current version, `current` dangles only between two renames.
      const aside = join(store.versionsDir, `.replaced-${version}-${Date.now()}`);
      await rename(target, aside);
      await rename(staging, target);
      await rm(aside, { recursive: true, force: true });
      return { version, unpacked: installed === 'different' };
    }
    await rename(staging, target);
    d.say(`unpacked racker ${version} into ${join('/opt/racker/versions', version)}`);
    return { version, unpacked: true };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * An installed version is the `same` when its MANIFEST is identical and its files still match it,
 * `damaged` when the MANIFEST is identical but files do not match, otherwise `different`.
 */
async function compareInstalled(staging: string, target: string, version: string): Promise<'same' | 'damaged' | 'different'> {
  const [a, b] = await Promise.all([readFile(join(staging, MANIFEST_FILE)), readFile(join(target, MANIFEST_FILE)).catch(() => Buffer.alloc(0))]);
  if (!a.equals(b)) return 'different';
  try {
    await verifyTree(target, `installed racker ${version}`);
    return 'same';
  } catch (e) {
    if (isRackerError(e) && e.code === ErrorCodes.payload) return 'damaged';
    throw e;
  }
}

/**
 * Run the new version's own `racker version` on the host: proves its runtime works there before
 * anything switches. `--offline`: the self-test must not pull images or fetch from the source.
 */
async function selfTest(version: string, store: VersionStore, d: InstallDeps): Promise<void> {
  const bin = join(store.versionExecPath(version), 'bin', 'racker');
  let reported: unknown;
  try {
    const r = await d.host.exec(bin, ['version', '--json', '--offline'], { timeoutMs: 60_000 });
    reported = (JSON.parse(r.stdout) as { version?: unknown }).version;
  } catch (e) {
    throw new RackerError(ErrorCodes.payload, `racker ${version} does not run on ${d.host.describe}: ${errorMessage(e)}`,
      { hint: 'nothing was changed; the payload may be for another architecture or damaged' });
  }
  if (reported !== version) {
    throw new RackerError(ErrorCodes.payload, `racker ${version}'s own \`racker version\` reports ${JSON.stringify(reported)}`,
      { hint: 'the payload\'s VERSION and its code disagree; rebuild it with `npm run payload`' });
  }
}

