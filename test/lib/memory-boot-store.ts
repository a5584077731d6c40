/** BootStore and PhoneHomeTokens fakes that keep everything in maps. */
import type { BootStore, MatchboxGroup, MatchboxProfile, PhoneHomeTokens } from '../../bootstrap/ports.js';

export class MemoryBootStore implements BootStore {
  readonly groups = new Map<string, MatchboxGroup>();
  readonly profiles = new Map<string, MatchboxProfile>();
  readonly ignition = new Map<string, string>();
  /** Every Ignition ever written, removed or not. */
  readonly written = new Map<string, string>();
  readonly removed: string[] = [];

  async putProfile(p: MatchboxProfile): Promise<void> { this.profiles.set(p.id, p); }
  async putGroup(g: MatchboxGroup): Promise<void> { this.groups.set(g.id, g); }
  async putIgnition(name: string, content: string): Promise<void> {
    this.ignition.set(name, content);
    this.written.set(name, content);
  }
  async removeGroup(id: string): Promise<void> {
    this.groups.delete(id);
    this.removed.push(id);
  }
  async removeIgnition(name: string): Promise<void> {
    this.ignition.delete(name);
    this.removed.push(name);
  }
}

export class CountingTokens implements PhoneHomeTokens {
  readonly issued = new Map<string, string>();
  readonly revoked: string[] = [];
  async tokenFor(mac: string): Promise<string> {
    const t = this.issued.get(mac) ?? `tok-${mac.replace(/:/g, '')}`;
    this.issued.set(mac, t);
    return t;
  }
  async revoke(mac: string): Promise<void> {
    this.revoked.push(mac);
  }
}
