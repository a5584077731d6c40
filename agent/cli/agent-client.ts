/**
 * A small client for the agent's control API on its unix socket (<runDir>/agent.sock). It says
 * clearly when the agent is not running instead of surfacing a raw ECONNREFUSED.
 */
import { controlSocketPath } from '../api/control-server.js';
import { request } from 'node:http';
import { ErrorCodes, RackerError, isSystemError } from '../lib/errors.js';

export function controlSocket(runDir: string): string {
  return controlSocketPath(runDir);
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export async function agentRequest(socketPath: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<ApiResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          /* not JSON: keep the text for the error message */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new RackerError(ErrorCodes.agentUnavailable, `the racker agent did not answer on ${socketPath} within ${timeoutMs / 1000}s`, { hint: 'check it: systemctl status racker' })));
    req.on('error', (e) => {
      if (isSystemError(e, 'ENOENT') || isSystemError(e, 'ECONNREFUSED')) {
        reject(new RackerError(ErrorCodes.agentUnavailable, `the racker agent is not running (nothing listens on ${socketPath})`, { hint: 'start it with `systemctl start racker` (or run `racker agent`), then run this again; --dry-run works without it' }));
      } else if (isSystemError(e, 'EACCES')) {
        reject(new RackerError(ErrorCodes.agentUnavailable, `no permission to use the agent's socket ${socketPath}`, { hint: 'run as root, or as a member of agent.socketGroup' }));
      } else reject(e);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Submit a job (POST /v1/jobs); returns its id. */
export async function submitJob(socketPath: string, job: unknown): Promise<string> {
  const r = await agentRequest(socketPath, 'POST', '/v1/jobs', job);
  const b = r.body as { id?: unknown; job?: { id?: unknown }; error?: { code?: string; message?: string; hint?: string } } | undefined;
  const id = b?.job?.id ?? b?.id;
  if (r.status >= 200 && r.status < 300 && typeof id === 'string') return id;
  const message = b?.error?.message ?? (typeof r.body === 'string' ? r.body : `HTTP ${r.status}`);
  throw new RackerError(r.status === 409 ? ErrorCodes.conflict : ErrorCodes.agentUnavailable, `the agent refused the job: ${message}`, { hint: b?.error?.hint });
}
