/**
 * Messages between the agent and its boot worker processes (over the child_process IPC channel,
 * JSON). The agent owns the boot data's reload timing, the phone-home tokens (workers get SHA-256
 * digests and grants only, never a token) and the event bus; it accepts the connections and hands a share
 * of them to each worker, which answers HTTP on them and sends back what happened.
 */
import type { LevelWithSilent } from 'pino';
import type { BootRequestEvent, Endpoint, PhoneHomeEvent } from '../events.js';
import type { ConnectionBounds, CutReason, HttpTimeouts } from '../http-handler.js';
import type { AccessRule } from '../node-access.js';
import type { TokenEntry } from '../phone-home.js';

export interface WorkerInit {
  type: 'init';
  /** 1-based, for log lines. */
  index: number;
  dataDir: string;
  assetsDir: string | undefined;
  /** The agent's access rule, applied as it is. */
  access: AccessRule;
  /** [MAC, token entry] pairs (the entry's digest as hex). */
  tokens: [string, WireToken][];
  maxHeaderSize: number;
  accessLog: boolean;
  logLevel: LevelWithSilent;
  timeouts: HttpTimeouts | undefined;
  limits: ConnectionBounds;
}

/**
 * Agent → worker. `connection` comes with an accepted socket that nobody has read from; `drop`
 * closes one (the agent's connection limits made room for another client).
 */
export type ToWorker =
  | WorkerInit
  | { type: 'connection'; id: number }
  | { type: 'drop'; id: number }
  | { type: 'reload' }
  | { type: 'token'; mac: string; entry: WireToken | undefined }
  /** The answer to `report`: kept, made already (a replay), or not kept (the node is to send it again). */
  | { type: 'reported'; id: number; outcome: 'kept' | 'replay' | 'failed' }
  | { type: 'stop' };

/**
 * A request event on the wire: a tuple, not an object, because a boot storm sends one per request
 * and the keys were most of the JSON both processes write and read (the worker's events cost the
 * two processes 3–4 µs per request, a sixth of the total, in a wrk run on /ipxe; as tuples about
 * 1 µs less). The Date travels as epoch milliseconds, absent values as null.
 */
export type WireRequest = [at: number, endpoint: Endpoint, method: string, mac: string | null, clientIp: string, status: number,
  os: string | null, group: string | null, profile: string | null, path: string | null, bytes: number, aborted: 0 | 1];
/** A phone-home event on the wire (rare: one per node and stage), as an object. */
export type WirePhoneHome = Omit<PhoneHomeEvent, 'at'> & { at: number };
export type WireEvent = WireRequest;

/** Worker → agent. */
export type FromWorker =
  | { type: 'ready' }
  /** One per `connection`, in order: the worker holds the socket, the agent closes its copy. */
  | { type: 'took' }
  /** A connection is gone; `cut` says why when the worker closed it itself. */
  | { type: 'closed'; id: number; cut?: CutReason }
  | { type: 'failed'; message: string }
  | { type: 'events'; events: WireEvent[] }
  /** A checked phone-home report for the agent to keep; the node waits for the `reported` answer. */
  | { type: 'report'; id: number; report: WirePhoneHome }
  | { type: 'stopped' };

/** A phone-home token's entry on the wire: the digest as hex, never the token. */
export type WireToken = Omit<TokenEntry, 'digest'> & { digest: string };

export const tokenToWire = (e: TokenEntry): WireToken => ({ ...e, digest: e.digest.toString('hex') });
export const tokenFromWire = (w: WireToken): TokenEntry => ({ ...w, digest: Buffer.from(w.digest, 'hex') });

export const reportToWire = (e: PhoneHomeEvent): WirePhoneHome => ({ ...e, at: e.at.getTime() });
export const reportFromWire = (w: WirePhoneHome): PhoneHomeEvent => ({ ...w, at: new Date(w.at) });

export function toWire(e: BootRequestEvent): WireEvent {
  return [e.at.getTime(), e.endpoint, e.method, e.mac ?? null, e.clientIp, e.status, e.os ?? null, e.group ?? null, e.profile ?? null,
    e.path ?? null, e.bytes, e.aborted ? 1 : 0];
}

export function fromWire(w: WireEvent): BootRequestEvent {
  const [at, endpoint, method, mac, clientIp, status, os, group, profile, path, bytes, aborted] = w;
  return {
    type: 'request', at: new Date(at), endpoint, method, mac: mac ?? undefined, os: os ?? undefined, clientIp, status,
    group: group ?? undefined, profile: profile ?? undefined, ...(path === null ? {} : { path }), bytes, aborted: aborted === 1,
  };
}
