/**
 * The install tree on the host:
 *
 *   /opt/racker/versions/<version>/   one unpacked payload per version, never changed once there
 *   /opt/racker/current  -> versions/<version>   what runs
 *   /opt/racker/previous -> versions/<version>   what `racker rollback` returns to
 *   /opt/racker/history                 versions in the order they became current (newest last)
 *   /opt/bin/racker      -> ../racker/current/bin/racker
 *
 * Links are relative, so they resolve the same under a test root, from the installer container
 * (through /proc/1/root) and on the host. Each link is replaced atomically: a new link under a
 * temporary name, renamed over the old one, so `current` always names a complete version.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isENOENT } from '../../agent/lib/errors.js';
import { syncDirectory, writeFileAtomic } from '../../agent/lib/atomic-file.js';
import { isVersion } from '../versions.js';
import type { Host } from './host.js';

export const INSTALL_DIR = '/opt/racker';
export const BIN_LINK = '/opt/bin/racker';
export const UNIT_DIR = '/etc/systemd/system';

export class VersionStore {
  constructor(private readonly host: Host) {}

  get base(): string { return this.host.path(INSTALL_DIR); }
  get versionsDir(): string { return join(this.base, 'versions'); }
  versionDir(version: string): string { return join(this.versionsDir, version); }
  /** The version's directory as a program run on the host sees it. */
  versionExecPath(version: string): string { return this.host.execPath(join(INSTALL_DIR, 'versions', version)); }

  async current(): Promise<string | undefined> { return this.readVersionLink('current'); }
  async previous(): Promise<string | undefined> { return this.readVersionLink('previous'); }

  /** Installed versions (complete directories only; staging and leftovers start with a dot). */
  async installed(): Promise<string[]> {
    try {
      return (await readdir(this.versionsDir)).filter(isVersion);
    } catch (e) {
      if (isENOENT(e)) return [];
      throw e;
    }
  }

  async history(): Promise<string[]> {
    try {
      return (await readFile(join(this.base, 'history'), 'utf8')).split('\n').filter(isVersion);
    } catch (e) {
      if (isENOENT(e)) return [];
      throw e;
    }
  }

  /**
   * Make `version` current; `previous` becomes what was current (unless that is `version` itself).
   * /opt/bin/racker is (re)made to point through `current`.
   */
  async makeCurrent(version: string, wasCurrent: string | undefined): Promise<void> {
    await this.replaceLink(join(this.base, 'current'), `versions/${version}`);
    if (wasCurrent !== undefined && wasCurrent !== version) await this.replaceLink(join(this.base, 'previous'), `versions/${wasCurrent}`);
    await mkdir(dirname(this.host.path(BIN_LINK)), { recursive: true });
    await this.replaceLink(this.host.path(BIN_LINK), '../racker/current/bin/racker');
  }

  /** Put `current` and `previous` back as they were (after a failed switch). */
  async restoreLinks(current: string, previous: string | undefined): Promise<void> {
    await this.replaceLink(join(this.base, 'current'), `versions/${current}`);
    if (previous === undefined) await rm(join(this.base, 'previous'), { force: true });
    else await this.replaceLink(join(this.base, 'previous'), `versions/${previous}`);
  }

  /** Note that `version` became current (after it proved ready). */
  async recordHistory(version: string): Promise<void> {
    const history = await this.history();
    if (history.at(-1) !== version) await writeFileAtomic(join(this.base, 'history'), [...history, version].map((v) => `${v}\n`).join(''));
  }

  /** Versions to keep: current, previous, then the most recently current ones, up to `keep`. */
  async keepSet(keep: number): Promise<Set<string>> {
    const set = new Set<string>();
    for (const v of [await this.current(), await this.previous()]) if (v !== undefined) set.add(v);
    for (const v of (await this.history()).reverse()) {
      if (set.size >= keep) break;
      set.add(v);
    }
    return set;
  }

  /** Remove versions beyond the last `keep`, and leftovers of interrupted installs. Returns what was removed. */
  async prune(keep: number, busy: ReadonlySet<string> = new Set()): Promise<string[]> {
    const keepSet = await this.keepSet(keep);
    let names: string[];
    try {
      names = await readdir(this.versionsDir);
    } catch (e) {
      if (isENOENT(e)) return [];
      throw e;
    }
    const removed: string[] = [];
    for (const name of names) {
      if (keepSet.has(name) || busy.has(name)) continue;
      await rm(join(this.versionsDir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  private async readVersionLink(name: string): Promise<string | undefined> {
    try {
      const target = await readlink(join(this.base, name));
      const version = basename(target);
      return isVersion(version) ? version : undefined;
    } catch (e) {
      if (isENOENT(e)) return undefined;
      throw e;
    }
  }

  /** Point `path` at `target` atomically (symlink under a temporary name, then rename over). */
  async replaceLink(path: string, target: string): Promise<void> {
    try {
      if ((await readlink(path)) === target) return;
    } catch (e) {
      if (!isENOENT(e) && (e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    }
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}`);
    await symlink(target, tmp);
    try {
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined); /* best effort: the rename already failed */
      throw e;
    }
    await syncDirectory(dirname(path));
  }
}
