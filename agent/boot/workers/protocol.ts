/**
 * Messages between the agent and its boot worker processes (over the child_process IPC channel,
 * JSON). The agent owns the boot data's reload timing, the phone-home tokens (workers get SHA-256
 * digests only, never a token) and the event bus; it accepts the connections and hands a share
 * of them to each worker, which answers HTTP on them and sends back what happened.
 */
import type { LevelWithSilent } from 'pino';
import type { BootEvent } from '../events.js';
import type { HttpTimeouts } from '../http-handler.js';
import type { AccessRule } from '../node-access.js';

export interface WorkerInit {
  type: 'init';
  /** 1-based, for log lines. */
  index: number;
  dataDir: string;
  assetsDir: string | undefined;
  /** The agent's access rule, applied as it is. */
  access: AccessRule;
  /** [MAC, hex SHA-256 of the token] pairs. */
  tokenDigests: [string, string][];
  maxHeaderSize: number;
  accessLog: boolean;
  logLevel: LevelWithSilent;
  timeouts: HttpTimeouts | undefined;
}

/** Agent → worker. `connection` comes with an accepted socket that nobody has read from. */
export type ToWorker =
  | WorkerInit
  | { type: 'connection' }
  | { type: 'reload' }
  | { type: 'token'; mac: string; digest: string | undefined }
  | { type: 'stop' };

/** A BootEvent as JSON: the Date travels as epoch milliseconds. */
export type WireEvent = Omit<BootEvent, 'at'> & { at: number };

/** Worker → agent. */
export type FromWorker =
  | { type: 'ready' }
  /** One per `connection`, in order: the worker holds the socket, the agent closes its copy. */
  | { type: 'took' }
  | { type: 'failed'; message: string }
  | { type: 'events'; events: WireEvent[] }
  | { type: 'stopped' };

export function toWire(e: BootEvent): WireEvent {
  return { ...e, at: e.at.getTime() };
}

export function fromWire(e: WireEvent): BootEvent {
  return { ...e, at: new Date(e.at) } as BootEvent;
}
