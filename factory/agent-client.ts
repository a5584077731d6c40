/**
 * The factory commands' small client for the agent's control API (HTTP/1.1 + JSON on the unix
 * socket `<runDir>/agent.sock`). The factory works whether or not the agent runs: a missing
 * socket or a refused connection means "agent not running", which callers report as a fact, not
 * a failure. Anything else (permissions, a hung agent) is an error with a hint.
 */
import { controlSocketPath } from '../agent/api/socket-path.js';
import { request } from 'node:http';
import { ErrorCodes, RackerError, isEACCES, isSystemError } from '../agent/lib/errors.js';

export const agentSocketPath = (runDir: string): string => controlSocketPath(runDir);

export type AgentResponse =
  | { running: false; reason: string }
  | { running: true; status: number; body: unknown };

export interface AgentRequestOptions {
  body?: unknown;
  timeoutMs?: number;
}

/** One request to the agent. Resolves `{running: false}` when no agent listens on the socket. */
export function agentRequest(socketPath: string, method: 'GET' | 'POST', path: string, options: AgentRequestOptions = {}): Promise<AgentResponse> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath, method, path, timeout: timeoutMs,
      headers: { accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          /* not JSON: keep the text for the message */
        }
        resolve({ running: true, status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => {
      req.destroy();
      reject(new RackerError(ErrorCodes.agentUnavailable, `the agent did not answer ${method} ${path} on ${socketPath} within ${timeoutMs} ms`,
        { hint: 'check it with `systemctl status racker-agent` and its log with `journalctl -u racker-agent`' }));
    });
    req.on('error', (e) => {
      if (isSystemError(e, 'ENOENT')) resolve({ running: false, reason: `no control socket at ${socketPath}` });
      else if (isSystemError(e, 'ECONNREFUSED')) resolve({ running: false, reason: `nothing listens on ${socketPath}` });
      else if (isEACCES(e)) reject(new RackerError(ErrorCodes.agentUnavailable, `permission denied on the agent's control socket ${socketPath}`, { hint: 'run as root (or as a member of agent.socketGroup)' }));
      else if (e instanceof RackerError) reject(e);
      else reject(new RackerError(ErrorCodes.agentUnavailable, `cannot talk to the agent on ${socketPath}: ${e.message}`, { cause: e }));
    });
    req.end(payload);
  });
}

export type ReloadOutcome =
  | { kind: 'reloaded' }
  | { kind: 'not-running'; reason: string }
  | { kind: 'failed'; message: string };

/** Ask a running agent to re-read the rack metadata (POST /v1/reload). Never throws. */
export async function requestReload(socketPath: string): Promise<ReloadOutcome> {
  try {
    const res = await agentRequest(socketPath, 'POST', '/v1/reload', { body: {} });
    if (!res.running) return { kind: 'not-running', reason: res.reason };
    if (res.status >= 200 && res.status < 300) return { kind: 'reloaded' };
    return { kind: 'failed', message: `the agent answered ${res.status}${describeBody(res.body)}` };
  } catch (e) {
    return { kind: 'failed', message: (e as Error).message };
  }
}

export function describeReload(r: ReloadOutcome): string {
  switch (r.kind) {
    case 'reloaded': return 'the agent reloaded the rack metadata';
    case 'not-running': return `the agent is not running (${r.reason}); it reads the new metadata when it starts`;
    case 'failed': return `the agent could not reload: ${r.message}; restart it with \`systemctl restart racker-agent\``;
  }
}

function describeBody(body: unknown): string {
  if (body === undefined || body === '') return '';
  const err: { message?: unknown } | undefined = typeof body === 'object' && body !== null ? (body as { error?: { message?: unknown } }).error : undefined;
  if (typeof err?.message === 'string') return `: ${err.message}`;
  return typeof body === 'string' ? `: ${body.slice(0, 200)}` : '';
}
