/**
 * What the factory needs from the agent, over the one control API client (agent/api/client.ts).
 * The factory works whether or not the agent runs: a missing socket or a refused connection means
 * "agent not running", which callers report as a fact, not a failure. Anything else (permissions,
 * a hung agent) is the client's error with its hint.
 */
import { controlSocketPath } from '../agent/api/socket-path.js';
import { AgentClient } from '../agent/api/client.js';
import { isSystemError, errorMessage } from '../agent/lib/errors.js';
import { errorReplySchema } from '../agent/api/replies.js';

export const agentSocketPath = (runDir: string): string => controlSocketPath(runDir);

export type AgentResponse =
  | { running: false; reason: string }
  | { running: true; status: number; body: unknown };

export interface AgentRequestOptions {
  body?: unknown;
  timeoutMs?: number;
}

/** One request to the agent. Resolves `{running: false}` when no agent listens on the socket. */
export async function agentRequest(socketPath: string, method: 'GET' | 'POST', path: string, options: AgentRequestOptions = {}): Promise<AgentResponse> {
  try {
    const r = await new AgentClient({ socketPath, timeoutMs: options.timeoutMs ?? 5_000 }).request(method, path, options.body);
    return { running: true, ...r };
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    if (isSystemError(cause, 'ENOENT')) return { running: false, reason: `no control socket at ${socketPath}` };
    if (isSystemError(cause, 'ECONNREFUSED')) return { running: false, reason: `nothing listens on ${socketPath}` };
    throw e;
  }
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
    return { kind: 'failed', message: errorMessage(e) };
  }
}

export function describeReload(r: ReloadOutcome): string {
  switch (r.kind) {
    case 'reloaded': return 'the agent reloaded the rack metadata';
    case 'not-running': return `the agent is not running (${r.reason}); it reads the new metadata when it starts`;
    case 'failed': return `the agent could not reload: ${r.message}; restart it with \`systemctl restart racker-agent\``;
  }
}

/** The agent's error answer (replies.ts, as http-util.ts errorResponse writes it): its message; else the text. */
function describeBody(body: unknown): string {
  if (body === undefined || body === '') return '';
  const err = errorReplySchema.safeParse(body);
  if (err.success) return `: ${err.data.message}`;
  return typeof body === 'string' ? `: ${body.slice(0, 200)}` : '';
}
