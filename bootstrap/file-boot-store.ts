/**
 * BootStore on matchbox's on-disk layout: <dataDir>/{groups,profiles}/<id>.json and
 * <dataDir>/ignition/<name>. Every write is atomic, so the boot service (which re-reads the files on
 * every request, like matchbox) never sees a torn file.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileIfChanged } from '../agent/lib/atomic-file.js';
import { isENOENT } from '../agent/lib/errors.js';
import type { BootStore, MatchboxGroup, MatchboxProfile } from './ports.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

function checkName(kind: string, name: string): string {
  if (!NAME.test(name) || name.includes('..')) throw new Error(`invalid ${kind} name ${JSON.stringify(name)}`);
  return name;
}

export class FileBootStore implements BootStore {
  constructor(private readonly dataDir: string) {}

  async putProfile(profile: MatchboxProfile): Promise<void> {
    await this.write('profiles', `${checkName('profile', profile.id)}.json`, `${JSON.stringify(profile, null, 2)}\n`);
  }

  async putGroup(group: MatchboxGroup): Promise<void> {
    await this.write('groups', `${checkName('group', group.id)}.json`, `${JSON.stringify(group, null, 2)}\n`);
  }

  async putIgnition(name: string, content: string): Promise<void> {
    // 0600: installer configs carry the node's phone-home token (and, for Kubernetes, join secrets).
    await this.write('ignition', checkName('ignition', name), content, 0o600);
  }

  async removeGroup(id: string): Promise<void> {
    await this.remove('groups', `${checkName('group', id)}.json`);
  }

  /** Everything racker wrote for one node (groups, profiles, Ignition by id): a retired server boots nothing of it. */
  async removeNode(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await this.remove('groups', `${checkName('group', id)}.json`);
      await this.remove('profiles', `${checkName('profile', id)}.json`);
      await this.remove('ignition', `${checkName('ignition', id)}.ign`);
    }
  }

  async removeIgnition(name: string): Promise<void> {
    await this.remove('ignition', checkName('ignition', name));
  }

  private async remove(dir: string, name: string): Promise<void> {
    try {
      await unlink(join(this.dataDir, dir, name));
    } catch (e) {
      if (!isENOENT(e)) throw e; /* already gone: removing is idempotent */
    }
  }

  private async write(dir: string, name: string, content: string, mode = 0o644): Promise<void> {
    await writeFileIfChanged(join(this.dataDir, dir, name), content, { mode, mkdirs: true });
  }
}
