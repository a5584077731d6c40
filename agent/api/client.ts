/**
 * The control API's client, used by the CLI (`racker status`, `racker bootstrap` ...). Failures to
 * reach the agent become RACKER_E_AGENT_UNAVAILABLE with what to do; error responses keep the
 * agent's code and hint. Answers are read as replies.ts describes them (ReplyReader below says
 * when they are checked); one that does not fit is RACKER_E_AGENT_REPLY naming the request and field.
 */
import { basename } from 'node:path';
import { READ_SOCKET_NAME } from './socket-path.js';
import { createInterface } from 'node:readline';
import { ErrorCodes, RackerError, ValidationError, errorMessage, isSystemError, type ErrorCode, type RackerErrorOptions } from '../lib/errors.js';
import { rackerVersion } from '../lib/racker-version.js';
import { VERSION_HEADER } from './http-util.js';
import type { AgentEvent } from '../state/event-log.js';
import type { Replies, ReplyName } from './replies.js';

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

  /** GET `path`, whose answer is replies.ts's `reply`. */
  get<K extends ReplyName>(path: string, reply: K): Promise<Replies[K]> {
    return this.call('GET', path, reply);
  }

  post<K extends ReplyName>(path: string, reply: K, body: unknown = {}): Promise<Replies[K]> {
    return this.call('POST', path, reply, body);
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
    const path = `/v1/events${query === '' ? '' : `?${query}`}`;
    const res = await this.open('GET', path, undefined, signal, false);
    const reader = await ReplyReader.for(res, `GET ${path}`);
    if ((res.statusCode ?? 500) >= 300) throw await errorFrom(res, reader);
    const lines = createInterface({ input: res });
    let n = 0;
    try {
      for await (const line of lines) {
        n += 1;
        if (line.trim() !== '') onEvent(await reader.read(line, 'event', n));
      }
    } catch (e) {
      if (signal?.aborted === true) return;
      throw e;
    }
  }

  private async call<K extends ReplyName>(method: 'GET' | 'POST', path: string, reply: K, body?: unknown): Promise<Replies[K]> {
    const res = await this.open(method, path, body, undefined, true);
    const reader = await ReplyReader.for(res, `${method} ${path}`);
    if ((res.statusCode ?? 500) >= 300) throw await errorFrom(res, reader);
    return reader.read(await readAll(res), reply);
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

async function errorFrom(res: import('node:http').IncomingMessage, reader: ReplyReader): Promise<RackerError> {
  const text = await readAll(res);
  let body: Replies['error'] | undefined;
  try {
    body = await reader.read(text, 'error');
  } catch { /* not an error answer of the agent's: reported with the status below */ }
  const code = body?.code.startsWith('RACKER_E_') === true ? body.code as ErrorCode : ErrorCodes.agentUnavailable;
  return new RackerError(code, body?.message ?? `the agent answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`, { hint: body?.hint });
}

/**
 * Reads the answers of one response. From an agent that says it is this racker's own version, an
 * answer is taken as it is: routes.ts built it as the type replies.ts infers, from the same code,
 * and checking it would load zod, which costs `racker status` more than everything else it does
 * (bench/agent). From an agent of another version, or one that does not say (a CLI of a newer
 * payload before the agent is restarted, or something else listening on the socket), every answer
 * is checked against replies.ts. Text that is not JSON is refused either way.
 */
class ReplyReader {
  private constructor(private readonly what: string, private readonly agentVersion: string | undefined, private readonly own: string) {}

  static async for(res: import('node:http').IncomingMessage, what: string): Promise<ReplyReader> {
    const v = res.headers[VERSION_HEADER];
    return new ReplyReader(what, typeof v === 'string' ? v : undefined, await rackerVersion());
  }

  /** `line`: the line of a streamed answer (GET /v1/events), for the message. */
  async read<K extends ReplyName>(text: string, reply: K, line?: number): Promise<Replies[K]> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw this.refused([{ file: this.what, line, message: `not JSON: ${errorMessage(e)}` }]);
    }
    if (this.agentVersion === this.own) return raw as Replies[K];
    const { REPLIES } = await import('./replies.js');
    const parsed = REPLIES[reply].safeParse(raw);
    if (parsed.success) return parsed.data as Replies[K];
    throw this.refused(parsed.error.issues.slice(0, 10).map((i) => ({ file: this.what, line, field: i.path.map(String).join('.') || '(top level)', message: i.message })));
  }

  private refused(problems: { file: string; line?: number; field?: string; message: string }[]): ValidationError {
    const agent = this.agentVersion === undefined ? 'does not say which racker it is' : `is racker ${this.agentVersion}`;
    const hint = this.agentVersion === this.own
      ? 'the agent is this racker\'s own version, so this is a bug in racker; `journalctl -u racker-agent` may say more'
      : `the agent ${agent} and this command is racker ${this.own}: restart the agent (systemctl restart racker-agent) so both are the same version`;
    // The hint once, on the first problem: it is the same for all.
    return new ValidationError(ErrorCodes.agentReply, `the racker agent's answer to ${this.what} is not what racker ${this.own} expects`, problems.map((p, i) => (i === 0 ? { ...p, hint } : p)));
  }
}
