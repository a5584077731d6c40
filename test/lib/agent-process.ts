/**
 * Runs `bin/racker agent` as a real process against a fake rack, reads its JSON log lines, and
 * always cleans up by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { racker } from './paths.js';

export interface AgentProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  /** The lines as written (JSON.parse hides a repeated key). */
  raw: string[];
  stderr: () => string;
  /** Resolves with the first log line matching. */
  waitForLog: (predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or 128 + signal number). */
  exited: Promise<number>;
  kill: (signal?: NodeJS.Signals) => Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2, SIGHUP: 1 };

/** Start the agent; with `netns`, inside that network namespace (`ip netns exec` execs, so the PID is the agent's). */
export function startAgent(env: Record<string, string>, args: string[] = [], netns?: string): AgentProcess {
  const argv = [process.execPath, racker, 'agent', ...args];
  const [file, ...rest] = netns === undefined ? argv : ['ip', 'netns', 'exec', netns, ...argv];
  const child = spawn(file as string, rest, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const raw: string[] = [];
  let err = '';
  let waiters: { p: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  child.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    raw.push(text);
    let line: Record<string, unknown>;
    try { line = JSON.parse(text) as Record<string, unknown>; } catch { line = { msg: text, unparsed: true }; }
    logs.push(line);
    const pending = waiters;
    waiters = [];
    for (const w of pending) (w.p(line) ? w.resolve(line) : waiters.push(w));
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))));
  return {
    child, logs, raw, stderr: () => err, exited,
    waitForLog: (p, timeoutMs = 20_000) => {
      const seen = logs.find(p);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching agent log line within ${timeoutMs} ms; log:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${err}`)), timeoutMs);
        void exited.then((code) => { clearTimeout(timer); reject(new Error(`agent exited with ${code} first; stderr: ${err}; log:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)); });
        waiters.push({ p, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, signal);
      return exited;
    },
  };
}

export const isReady = (l: Record<string, unknown>): boolean => l.msg === 'racker agent ready';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Run `bin/racker ARGS` to completion. */
export function runRacker(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [racker, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
