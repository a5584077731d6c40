/**
 * Phone-home tokens, one per job and node, kept in `<stateDir>/phone-home-tokens.json` (0600) so
 * that a restarted agent still accepts the reports of nodes whose Ignition carries the token. A
 * token is good from the node's reserved address only, for TOKEN_LIFETIME_MS from its issue, and
 * is revoked once the node is done. Every token is registered with the boot service's NodeTokens,
 * which checks them in constant time.
 *
 * The reports a node made with its token are kept beside it, written before the node is answered:
 * after a restart a replay is still refused, and the resumed job hears the reports again
 * (reports()), so a report that arrived just before a SIGKILL is not lost with the process. They
 * go with the token (a new job's token starts without any).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { stateFiles } from '../../config/paths.js';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { SerialWrites } from '../../lib/serial-writes.js';
import { ErrorCodes, RackerError, isENOENT, errorMessage } from '../../lib/errors.js';
import type { Mac } from '../../lib/mac.js';
import type { NodeTokens } from '../../boot/phone-home.js';
import { PHONE_HOME_STATUSES, type PhoneHomeEvent } from '../../boot/events.js';
import type { PhoneHomeTokens, TokenRequest } from '../../../bootstrap/ports.js';

/**
 * How long a token is good: a node reports within a job's deadlines (minutes to a few hours),
 * so a captured token is of no use a day later.
 */
export const TOKEN_LIFETIME_MS = 24 * 3600_000;

/** A phone-home report as kept: what the job needs to act on it after a restart. */
const keptReportSchema = z.object({
  status: z.enum(PHONE_HOME_STATUSES),
  /** Epoch milliseconds, when the boot service accepted it. */
  at: z.number(),
  reason: z.string().optional(),
  output: z.string().optional(),
});
export type KeptReport = z.infer<typeof keptReportSchema>;

/** One node's token as kept in the file. */
const issuedSchema = z.object({
  token: z.string(),
  job: z.string(),
  /** Absent where boot.restrictIgnitionToNode is off (requests arrive through a proxy). */
  address: z.string().optional(),
  expiresAt: z.number(),
  /** Reports made with this token, one per status, oldest first. */
  reports: z.array(keptReportSchema).optional(),
});
type Issued = z.infer<typeof issuedSchema>;

export class TokenStore implements PhoneHomeTokens {
  private tokens: Map<string, Issued> | undefined;
  private readonly writes = new SerialWrites();
  /** Tokens in memory whose write has not succeeded yet. */
  private readonly unsaved = new Set<string>();

  constructor(private readonly stateDir: string, private readonly registry: NodeTokens, private readonly now: () => number = Date.now) {}

  get path(): string {
    return stateFiles(this.stateDir).phoneHomeTokens;
  }

  /** Read the persisted tokens and register them; call before the boot service answers. */
  async load(): Promise<void> {
    if (this.tokens !== undefined) return;
    const tokens = new Map<string, Issued>();
    let dropped = 0;
    try {
      const data = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a JSON object');
      // Entries of another shape (tokens of an older racker, which never expired) are dropped.
      for (const [mac, v] of Object.entries(data)) {
        const issued = issuedSchema.safeParse(v);
        if (issued.success && issued.data.expiresAt > this.now()) tokens.set(mac, issued.data);
        else dropped += 1;
      }
    } catch (e) {
      if (!isENOENT(e)) {
        throw new RackerError(ErrorCodes.state, `${this.path} is damaged: ${errorMessage(e)}`,
          { hint: 'delete it and reprovision the nodes that were being installed (their reports would be refused)' });
      }
    }
    this.tokens = tokens;
    // Reports made before the restart stay made: a replay is still refused.
    for (const [mac, t] of tokens) this.registry.set(mac, t.token, { address: t.address, expiresAt: t.expiresAt }, (t.reports ?? []).map((r) => r.status));
    // A dropped token is a secret no longer needed: it leaves the disk too.
    if (dropped > 0) await this.save();
  }

  /** The token of this job for this node: the same one while the job runs (a resumed job's nodes carry it), a new one for another job. */
  async tokenFor(mac: Mac, r: TokenRequest): Promise<string> {
    await this.load();
    const tokens = this.tokens as Map<string, Issued>;
    const existing = tokens.get(mac);
    if (existing !== undefined && existing.job === r.job && existing.address === r.address && existing.expiresAt > this.now()) {
      // Handed out before, but its write failed: it is written now, or the caller fails again.
      if (this.unsaved.has(mac)) await this.save();
      return existing.token;
    }
    const issued: Issued = { token: randomBytes(24).toString('base64url'), job: r.job, ...(r.address === undefined ? {} : { address: r.address }), expiresAt: this.now() + TOKEN_LIFETIME_MS };
    tokens.set(mac, issued);
    this.registry.set(mac, issued.token, { address: issued.address, expiresAt: issued.expiresAt });
    this.unsaved.add(mac);
    await this.save();
    return issued.token;
  }

  /**
   * Keep a report the boot service accepted, on disk before it answers the node. A report for a
   * MAC without a token here (none was issued by this store) has nothing to be kept with.
   */
  async keepReport(e: PhoneHomeEvent): Promise<void> {
    await this.load();
    const issued = (this.tokens as Map<string, Issued>).get(e.mac);
    if (issued === undefined) return;
    const kept: KeptReport = { status: e.status, at: e.at.getTime(), ...(e.reason === undefined ? {} : { reason: e.reason }), ...(e.output === undefined ? {} : { output: e.output }) };
    issued.reports = [...(issued.reports ?? []).filter((r) => r.status !== e.status), kept];
    await this.save();
  }

  /** Every kept report of the tokens held now, per MAC, oldest first. */
  reports(): [Mac, KeptReport][] {
    return [...(this.tokens ?? new Map<string, Issued>())].flatMap(([mac, t]) => (t.reports ?? []).map((r): [Mac, KeptReport] => [mac as Mac, r]));
  }

  /** The MACs that hold a token. */
  async macs(): Promise<Mac[]> {
    await this.load();
    return [...(this.tokens as Map<string, Issued>).keys()] as Mac[];
  }

  /** A retired server's token, or a finished node's: no longer accepted, no longer on disk. */
  async forget(mac: Mac): Promise<void> {
    await this.load();
    this.registry.delete(mac);
    this.unsaved.delete(mac);
    if ((this.tokens as Map<string, Issued>).delete(mac)) await this.save();
  }

  /** The node is done (the bootstrap's port): its token goes. */
  async revoke(mac: Mac): Promise<void> {
    await this.forget(mac);
  }

  private async save(): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries(this.tokens ?? []), null, 2);
    const covered = [...this.unsaved];
    await this.writes.run(() => writeFileAtomic(this.path, `${snapshot}\n`, { mode: 0o600, mkdirs: true }));
    for (const mac of covered) this.unsaved.delete(mac);
  }
}
