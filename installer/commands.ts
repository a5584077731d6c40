/**
 * What `racker update`, `upgrade`, `get VERSION`, `rollback` and `version` do, behind the thin
 * command modules in agent/cli/. They act on the install tree under `installer.root` (`/` on a
 * management node), with releases from `installer.source`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../agent/config/schema.js';
import type { Exec } from '../agent/lib/exec.js';
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';
import type { Logger } from '../agent/lib/log.js';
import { rootHost } from './extractor/host.js';
import { installPayload, type InstallDeps } from './extractor/install.js';
import { renderSwitch } from './extractor/switch-version.js';
import { SystemctlServiceManager } from './extractor/service-manager.js';
import { VersionStore } from './extractor/version-store.js';
import { ImageSource, type Want } from './sources/image-source.js';
import { TarballSource } from './sources/tarball-source.js';
import { compareVersions, newest, parseVersion } from './versions.js';

export type InstallerConfig = Config['installer'];

export interface InstallerEnv {
  config: InstallerConfig;
  exec: Exec;
  log: Logger;
  say: (line: string) => void;
}

/** The dependencies an install or rollback on this host needs. */
export function hostInstallDeps(e: InstallerEnv): InstallDeps {
  const host = rootHost(e.config.root, e.exec);
  return {
    host, exec: e.exec, log: e.log, say: e.say,
    services: new SystemctlServiceManager(e.config.systemctl, e.exec),
    settings: {
      agentUnit: e.config.agentUnit,
      keepVersions: e.config.keepVersions,
      readyTimeoutMs: e.config.readyTimeoutSeconds * 1000,
      rebootHolders: e.config.rebootHolders,
    },
  };
}

export function configuredSource(e: InstallerEnv): TarballSource | ImageSource | undefined {
  const s = e.config.source;
  if (s === undefined) return undefined;
  return s.type === 'tarball'
    ? new TarballSource({ location: s.location, keyring: s.keyring, exec: e.exec })
    : new ImageSource({ image: s.image, runtime: s.runtime, keyring: s.keyring, exec: e.exec });
}

export interface InstalledState {
  current: string | undefined;
  previous: string | undefined;
  installed: string[];
}

export async function installedState(e: InstallerEnv): Promise<InstalledState> {
  const store = new VersionStore(rootHost(e.config.root, e.exec));
  return { current: await store.current(), previous: await store.previous(), installed: (await store.installed()).sort(compareVersions) };
}

export type Outcome = { changed: false; version: string; message: string } | { changed: true; version: string; message: string };

/** What the operator asked for: `update` and `upgrade` pick a newer version, `get` names one (older only with allowDowngrade). */
export type Request = { kind: 'update' } | { kind: 'upgrade' } | { kind: 'get'; version: string; allowDowngrade?: boolean };

/** Install what `want` names from the configured source; nothing happens when it is already current. */

export async function installFromSource(want: Request, e: InstallerEnv): Promise<Outcome> {
  const source = configuredSource(e);
  if (source === undefined) {
    throw new RackerError(ErrorCodes.notFound, 'no release source is configured', { hint: 'set installer.source in the configuration (docs/installer.md)' });
  }
  const { current } = await installedState(e);
  if (want.kind === 'update' && current === undefined) {
    throw new RackerError(ErrorCodes.notFound, `racker is not installed under ${join(e.config.root, 'opt/racker')}, so there is nothing to update`,
      { hint: 'install a version with `racker get VERSION` or `racker upgrade`' });
  }
  const resolved: Want = want.kind === 'update' ? { kind: 'update', current: current as string } : want.kind === 'get' ? { kind: 'get', version: want.version } : want;
  if (want.kind === 'get' && want.allowDowngrade !== true) refuseDowngrade(want.version, current);
  const dir = await mkdtemp(join(tmpdir(), 'racker-download-'));
  try {
    let target: string;
    let payload: string;
    if (source instanceof ImageSource) {
      const image = await source.pull(resolved);
      target = image.version;
      if (isNotNewer(resolved, target, current)) return { changed: false, version: target, message: `racker ${current} is current; ${image.ref} carries ${target}` };
      e.say(`fetching racker ${target} from ${image.ref}`);
      payload = await source.fetchVerified(image, dir);
      e.say(`racker ${target}: signature and VERSION check out`);
    } else {
      const versions = await source.versions();
      const chosen = resolved.kind === 'get' ? resolved.version : newest(versions, { sameMajorAs: resolved.kind === 'update' ? resolved.current : undefined });
      if (chosen === undefined) {
        const scope = resolved.kind === 'update' ? `with major version ${parseVersion(resolved.current)?.major}` : '';
        throw new RackerError(ErrorCodes.notFound, `no release ${scope} in ${source.describe}`.replace('  ', ' '), { hint: 'run `racker version` to see what is available' });
      }
      target = chosen;
      if (isNotNewer(resolved, target, current)) return { changed: false, version: target, message: `racker ${current} is current; the newest available is ${target}` };
      e.say(`fetching racker ${target} from ${source.describe}`);
      payload = await source.fetchVerified(target, dir);
      e.say(`racker ${target}: sha256 and signature check out`);
    }
    const r = await installPayload(payload, hostInstallDeps(e));
    return { changed: r.from !== r.to, version: target, message: renderSwitch(r, e.config.agentUnit) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `get` of a version older than the current one is a downgrade: only on purpose. */
function refuseDowngrade(version: string, current: string | undefined): void {
  if (current === undefined || compareVersions(version, current) >= 0) return;
  throw new RackerError(ErrorCodes.conflict, `racker ${version} is older than the current ${current}`,
    { hint: `install it on purpose with \`racker get ${version} --allow-downgrade\`; \`racker rollback\` returns to the previous installed version` });
}

/** update/upgrade never go backwards or reinstall; `get` installs exactly what it is told (already current: nothing to do). */
function isNotNewer(want: Want, target: string, current: string | undefined): boolean {
  if (current === undefined) return false;
  if (want.kind === 'get') return target === current;
  return compareVersions(target, current) <= 0;
}

export interface Available {
  source: string;
  /** Releases the source offers (a tarball source lists all; an image source the ones behind `<major>` and `latest`). */
  versions: string[];
  /** What `racker update` / `racker upgrade` would install; absent when that is nothing new. */
  update?: string;
  upgrade?: string;
}

export async function availableReleases(e: InstallerEnv, current: string | undefined): Promise<Available | undefined> {
  const source = configuredSource(e);
  if (source === undefined) return undefined;
  let versions: string[];
  if (source instanceof ImageSource) {
    const wants: Want[] = [{ kind: 'upgrade' }];
    if (current !== undefined) wants.unshift({ kind: 'update', current });
    versions = [...new Set(await Promise.all(wants.map(async (w) => (await source.pull(w)).version)))];
  } else {
    versions = await source.versions();
  }
  versions.sort(compareVersions);
  const newer = (v: string | undefined): string | undefined => (v !== undefined && (current === undefined || compareVersions(v, current) > 0) ? v : undefined);
  return {
    source: source.describe, versions,
    update: current === undefined ? undefined : newer(newest(versions, { sameMajorAs: current })),
    upgrade: newer(newest(versions)),
  };
}
