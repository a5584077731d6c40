/**
 * `POST /racker/v1/events`: a node reports `installed`, `ready` or `failed` (with a reason), or
 * sends its hardware (`inventory`, with the facts under `inventory`: agent/inventory/hardware.ts).
 *
 *   Authorization: Bearer <the node's token>        Content-Type: application/json
 *   {"mac": "52:54:00:a1:9c:ae", "status": "failed", "reason": "flatcar-install: no disk", "output": "last lines\n"}
 *
 * The agent registers one random token per job and node and puts it in that node's Ignition. A
 * token is good only from the node's reserved address and until it expires, and makes each of
 * `installed`, `ready` and `joined` once (a replay gets 409). Tokens are compared as SHA-256
 * digests with timingSafeEqual, and an unknown MAC costs the same comparison, so timing tells an
 * attacker neither the token nor which MACs exist. Tokens are never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { parseMac } from './labels.js';
import { firstIssue } from '../lib/schema-issue.js';
import { PHONE_HOME_STATUSES, type PhoneHomeStatus } from './events.js';
import { hardwareReportSchema, type HardwareReport } from '../inventory/hardware.js';

export const PHONE_HOME_PATH = '/racker/v1/events';
/** A hardware inventory with a few dozen disks and NICs fits (the node's script sends at most 60 KiB). */
const MAX_BODY = 64 * 1024;
const MAX_REASON = 512;
/** The failing step's last output lines a node may send with `failed` (the report script sends at most 1500 bytes). */
const MAX_OUTPUT = 2048;

/**
 * A report as a node sends it. Unknown fields are ignored (a newer installer may send more); the
 * reason and the output are cut to their bounds rather than refused, and the output is kept to
 * printable text and newlines (it is shown on the operator's terminal). `inventory` is checked
 * against its own schema only once the token is (readPhoneHome).
 */
const phoneHomeBodySchema = z.object({
  mac: z.string({ error: 'missing or not a string' }).transform((v, ctx) => {
    const mac = parseMac(v);
    if (mac === undefined) ctx.addIssue({ code: 'custom', message: 'not a MAC address' });
    return mac ?? z.NEVER;
  }),
  status: z.enum(PHONE_HOME_STATUSES, { error: `must be ${PHONE_HOME_STATUSES.join(', ')}` }),
  reason: z.string({ error: 'must be a string' }).optional().transform((v) => v?.slice(0, MAX_REASON)),
  output: z.string({ error: 'must be a string' }).optional().transform((v) => (v === undefined || v === '' ? undefined : v.slice(-MAX_OUTPUT).replace(/[^\n\x20-\x7e]/g, ''))),
  inventory: z.unknown().optional(),
}, { error: 'must be a JSON object' });

/** "field: message" of the first problem, at most 300 characters: it goes back to the client and into the log. */
function problem(e: z.ZodError, prefix: string[] = []): string {
  const { field, message } = firstIssue(e, { prefix, top: 'body' });
  return `${field}: ${message}`.slice(0, 300);
}

/**
 * What a token is good for: from which address (the node's reservation; undefined: any, for
 * setups without reservations) and until when (epoch milliseconds).
 */
export interface TokenGrant {
  address: string | undefined;
  expiresAt: number;
}

/** A token as the worker processes hold it: its digest, grant, and the one-time reports already made. */
export interface TokenEntry extends TokenGrant {
  digest: Buffer;
  used: PhoneHomeStatus[];
}

/** Reports a token makes once: a replayed one is refused (`failed` may come again, with another reason). */
const ONCE: ReadonlySet<PhoneHomeStatus> = new Set(['installed', 'ready', 'joined']);

/** The per-node tokens, held as digests with their grants. */
export class NodeTokens {
  private readonly entries = new Map<string, TokenEntry>();
  private readonly listeners = new Set<(mac: string, entry: TokenEntry | undefined) => void>();
  private static readonly dummy = digest('racker-no-such-node');

  /**
   * Register or replace a node's token (MAC in any form Go's ParseMAC accepts); `used`: the
   * reports it already made (as persisted across an agent restart), of which the one-time ones count.
   */
  set(mac: string, token: string, grant: TokenGrant, used: readonly PhoneHomeStatus[] = []): void {
    const m = parseMac(mac);
    if (m === undefined) throw new Error(`phone-home token for "${mac}": not a MAC address`);
    if (token.length < 16) throw new Error(`phone-home token for ${m}: too short (at least 16 characters)`);
    this.setEntry(m, { digest: digest(token), address: grant.address, expiresAt: grant.expiresAt, used: used.filter((s) => ONCE.has(s)) });
  }

  delete(mac: string): void {
    const m = parseMac(mac);
    if (m === undefined) return;
    this.entries.delete(m);
    for (const fn of this.listeners) fn(m, undefined);
  }

  /**
   * Check a report: the token (in constant time; an unknown MAC costs the same), then its expiry,
   * the client's address and whether this report was made already. Throws PhoneHomeError.
   */
  check(mac: string, token: string, clientIp: string, status: PhoneHomeStatus, now = Date.now()): void {
    const e = this.entries.get(mac);
    const ok = timingSafeEqual(e?.digest ?? NodeTokens.dummy, digest(token));
    if (!ok || e === undefined) throw new PhoneHomeError(401, 'token not valid for this mac');
    if (now >= e.expiresAt) throw new PhoneHomeError(401, 'token expired');
    if (e.address !== undefined && e.address !== clientIp) throw new PhoneHomeError(403, "token not valid from this address (only from the node's reserved address)");
    if (e.used.includes(status)) throw new PhoneHomeError(409, `${status} was already reported with this token`);
  }

  /** Whether a one-time report was made with the node's current token. */
  made(mac: string, status: PhoneHomeStatus): boolean {
    return this.entries.get(mac)?.used.includes(status) === true;
  }

  /** Record a report made; false when it was made already (a replay: ignore it). */
  consume(mac: string, status: PhoneHomeStatus): boolean {
    const e = this.entries.get(mac);
    if (e === undefined) return false;
    if (!ONCE.has(status)) return true;
    if (e.used.includes(status)) return false;
    this.setEntry(mac, { ...e, used: [...e.used, status] });
    return true;
  }

  /**
   * For the boot service's worker processes: they check tokens holding digests only, never a
   * token. `mac` is normalised (aa:bb:…).
   */
  setEntry(mac: string, entry: TokenEntry): void {
    this.entries.set(mac, entry);
    for (const fn of this.listeners) fn(mac, entry);
  }

  all(): [string, TokenEntry][] {
    return [...this.entries];
  }

  /** Called on every change (entry undefined: deleted); returns the unsubscribe function. */
  onChange(fn: (mac: string, entry: TokenEntry | undefined) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export interface PhoneHome {
  mac: string;
  status: PhoneHomeStatus;
  reason: string | undefined;
  /** For `failed`: the last lines of the failing step's output (printable characters and newlines only). */
  output: string | undefined;
  /** For `inventory`: the hardware, checked against its schema. */
  inventory?: HardwareReport;
}

/** An HTTP status and message for a refused phone-home. */
export class PhoneHomeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'PhoneHomeError';
  }
}

/**
 * Read, authenticate and parse a phone-home request. Throws PhoneHomeError. It is not counted as
 * made here: the agent does that once the report is kept (BootService.accept).
 */
export async function readPhoneHome(req: IncomingMessage, tokens: NodeTokens, clientIp: string): Promise<PhoneHome> {
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer ([\x21-\x7e]+)$/.exec(auth);
  if (m === null || m[1] === undefined) throw new PhoneHomeError(401, 'missing bearer token');
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new PhoneHomeError(415, 'send Content-Type: application/json');
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY) throw new PhoneHomeError(413, `body larger than ${MAX_BODY} bytes`);
  const body = await readBody(req);
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PhoneHomeError(400, 'body is not JSON');
  }
  const parsed = phoneHomeBodySchema.safeParse(v);
  if (!parsed.success) throw new PhoneHomeError(400, `report is not valid: ${problem(parsed.error)}`);
  const { mac, status, reason, output, inventory } = parsed.data;
  tokens.check(mac, m[1], clientIp, status);
  if (status !== 'inventory') return { mac, status, reason, output };
  const inv = hardwareReportSchema.safeParse(inventory);
  if (!inv.success) throw new PhoneHomeError(400, `inventory is not valid: ${problem(inv.error, ['inventory'])}`);
  return { mac, status, reason, output, inventory: inv.data };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new PhoneHomeError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
