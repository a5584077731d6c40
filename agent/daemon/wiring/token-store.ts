/**
 * Phone-home tokens, one per node, kept in `<stateDir>/phone-home-tokens.json` (0600) so that a
 * restarted agent still accepts the reports of nodes whose Ignition carries the old token. Every
 * token is registered with the boot service's NodeTokens, which checks them in constant time.
 */
import { readFile } from 'node:fs/promises';
import { stateFiles } from '../../config/paths.js';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { ErrorCodes, RackerError, isENOENT } from '../../lib/errors.js';
import type { Mac } from '../../inventory/mac.js';
import type { NodeTokens } from '../../boot/phone-home.js';
import type { PhoneHomeTokens } from '../../../bootstrap/ports.js';

export class TokenStore implements PhoneHomeTokens {
  private tokens: Map<string, string> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly stateDir: string, private readonly registry: NodeTokens) {}

  get path(): string {
    return stateFiles(this.stateDir).phoneHomeTokens;
  }

  /** Read the persisted tokens and register them; call before the boot service answers. */
  async load(): Promise<void> {
    if (this.tokens !== undefined) return;
    const tokens = new Map<string, string>();
    try {
      const data = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      if (typeof data !== 'object' || data === null) throw new Error('not a JSON object');
      for (const [mac, token] of Object.entries(data as Record<string, unknown>)) if (typeof token === 'string') tokens.set(mac, token);
    } catch (e) {
      if (!isENOENT(e)) {
        throw new RackerError(ErrorCodes.state, `${this.path} is damaged: ${(e as Error).message}`,
          { hint: 'delete it and reprovision the nodes that were being installed (their reports would be refused)' });
      }
    }
    this.tokens = tokens;
    for (const [mac, token] of tokens) this.registry.set(mac, token);
  }

  async tokenFor(mac: Mac): Promise<string> {
    await this.load();
    const tokens = this.tokens as Map<string, string>;
    const existing = tokens.get(mac);
    if (existing !== undefined) return existing;
    const token = randomBytes(24).toString('base64url');
    tokens.set(mac, token);
    this.registry.set(mac, token);
    await this.save(tokens);
    return token;
  }

  /** The MACs that hold a token. */
  async macs(): Promise<Mac[]> {
    await this.load();
    return [...(this.tokens as Map<string, string>).keys()] as Mac[];
  }

  /** A retired server's token: no longer accepted, no longer on disk. */
  async forget(mac: Mac): Promise<void> {
    await this.load();
    const tokens = this.tokens as Map<string, string>;
    this.registry.delete(mac);
    if (tokens.delete(mac)) await this.save(tokens);
  }

  private async save(tokens: Map<string, string>): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries(tokens), null, 2);
    this.writing = this.writing.then(() => writeFileAtomic(this.path, `${snapshot}\n`, { mode: 0o600, mkdirs: true }));
    await this.writing;
  }
}
