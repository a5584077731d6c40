/**
 * The control API's client, used by the CLI (`racker status`, `racker bootstrap` ...). Failures to
 * reach the agent become RACKER_E_AGENT_UNAVAILABLE with what to do; error responses keep the
 * agent's code and hint.
 */
import { basename } from 'node:path';
import { READ_SOCKET_NAME } from './socket-path.js';
import { createInterface } from 'node:readline';
import { ErrorCodes, RackerError, isSystemError, type ErrorCode, type RackerErrorOptions } from '../lib/errors.js';
import type { AgentEvent } from '../state/event-log.js';

// Taken as the CommonJS module: `import ... from 'node:http'` builds an ES module facade that reads
// every export, and reading http.WebSocket loads Node's whole fetch implementation (undici), about
// a third of `racker status`'s start-up (bench/agent).
const { request } = process.getBuiltinModule('node:http');

export interface AgentClientOptions {
  /** The control socket (agent.sock): every request goes here unless readSocketPath is given. */
  socketPath: string;
  /** The read socket (status.sock): GET requests go here when given, so agent.socketGroup members can follow a job. */
  readSocketPath?: string;
  /** For one request/response (not for event streams). Default 5 s. */
  timeoutMs?: number;
}

export class AgentClient {
  constructor(private readonly o: AgentClientOptions) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** One request whose HTTP status the caller judges (a non-JSON body stays text); failing to reach the agent throws as for get/post. */
  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await this.open(method, path, body, undefined, true);
    const text = await readAll(res);
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* not JSON: keep the text for the caller's message */
    }
    return { status: res.statusCode ?? 0, body: parsed };
  }

  /** Read GET /v1/events as a stream until it ends, `signal` aborts or the agent goes away. */
  async streamEvents(query: string, onEvent: (e: AgentEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.open('GET', `/v1/events${query === '' ? '' : `?${query}`}`, undefined, signal, false);
    if ((res.statusCode ?? 500) >= 300) throw await errorFrom(res);
    const lines = createInterface({ input: res });
    try {
      for await (const line of lines) if (line.trim() !== '') onEvent(JSON.parse(line) as AgentEvent);
    } catch (e) {
      if (signal?.aborted === true) return;
      throw e;
    }
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.open(method, path, body, undefined, true);
    if ((res.statusCode ?? 500) >= 300) throw await errorFrom(res);
    const text = await readAll(res);
    return JSON.parse(text) as T;
  }

  private open(method: string, path: string, body: unknown, signal: AbortSignal | undefined, timed: boolean): Promise<import('node:http').IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const socketPath = method === 'GET' ? this.o.readSocketPath ?? this.o.socketPath : this.o.socketPath;
      const req = request({
        socketPath, method, path, signal,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      }, resolve);
      if (timed) {
        req.setTimeout(this.o.timeoutMs ?? 5_000, () => req.destroy(new RackerError(ErrorCodes.agentUnavailable,
          `the racker agent did not answer ${method} ${path} within ${this.o.timeoutMs ?? 5_000} ms`, { hint: 'check it with `systemctl status racker-agent` and `journalctl -u racker-agent`' })));
      }
      req.once('error', (e) => reject(this.unavailable(e, socketPath)));
      req.end(payload);
    });
  }

  private unavailable(e: unknown, where: string): Error {
    if (e instanceof RackerError) return e;
    if (isSystemError(e, 'ENOENT') || isSystemError(e, 'ECONNREFUSED')) {
      return new AgentNotRunningError(`no one listens on ${where}`, { hint: 'start it with `systemctl start racker-agent`', cause: e });
    }
    if (isSystemError(e, 'EACCES')) {
      const group = where === this.o.readSocketPath || basename(where) === READ_SOCKET_NAME ? 'agent.socketGroup' : 'agent.controlGroup';
      return new RackerError(ErrorCodes.agentUnavailable, `permission denied on ${where}`, { hint: `run as root (sudo), or be in the group named by ${group}`, cause: e });
    }
    if (isSystemError(e)) return new RackerError(ErrorCodes.agentUnavailable, `cannot reach the racker agent on ${where}: ${e.code}`, { cause: e });
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Nothing listens on the agent's socket; `reason` says how that was seen (for views that fall back to the persisted state). */
export class AgentNotRunningError extends RackerError {
  constructor(readonly reason: string, options: RackerErrorOptions) {
    super(ErrorCodes.agentUnavailable, `the racker agent is not running (${reason})`, options);
    this.name = 'AgentNotRunningError';
  }
}

async function readAll(res: import('node:http').IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function errorFrom(res: import('node:http').IncomingMessage): Promise<RackerError> {
  const text = await readAll(res);
  let body: { code?: string; message?: string; hint?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch { /* not JSON: reported with the status below */ }
  const code = typeof body.code === 'string' && body.code.startsWith('RACKER_E_') ? body.code as ErrorCode : ErrorCodes.agentUnavailable;
  return new RackerError(code, body.message ?? `the agent answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`, { hint: body.hint });
}
