/**
 * A long-running child process whose output is read line by line (dnsmasq in binary mode,
 * journalctl in container mode). agent/lib/exec runs programs to completion; this is its
 * counterpart for daemons: no shell, argv only, output as lines, exit as a promise that never
 * rejects, stop by PID with SIGTERM then SIGKILL.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface ChildHandle {
  readonly pid: number | undefined;
  /** Resolves when the process has exited and its output is fully read. */
  readonly exited: Promise<ChildExit>;
  /** Send a signal; false when the process is already gone. */
  kill(signal: NodeJS.Signals): boolean;
}

/** How the supervisor starts children; tests inject a fake (test/lib/fake-child.ts). */
export type SpawnChild = (file: string, args: readonly string[], onLine: (line: string) => void) => ChildHandle;

export const spawnChild: SpawnChild = (file, args, onLine) => {
  const child = spawn(file, [...args], { shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
  let open = 2;
  let status: Omit<ChildExit, 'error'> | undefined;
  let startError: Error | undefined;
  let done: (e: ChildExit) => void = () => undefined;
  const exited = new Promise<ChildExit>((resolve) => { done = resolve; });
  // Exit is reported only after both streams ended, so no log line arrives after `exited`.
  const settle = (): void => {
    if (startError !== undefined) done({ code: null, signal: null, error: startError });
    else if (status !== undefined && open === 0) done(status);
  };
  for (const stream of [child.stdout, child.stderr]) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', onLine);
    rl.on('close', () => { open--; settle(); });
  }
  child.on('error', (err) => { startError = err; settle(); });
  child.on('exit', (code, signal) => { status = { code, signal }; settle(); });
  return {
    pid: child.pid,
    exited,
    kill: (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal),
  };
};

/** Stop a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export async function stopChild(child: ChildHandle, graceMs = 5_000): Promise<ChildExit> {
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killLater = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  const result = await Promise.race([child.exited, killLater.then(() => child.exited)]);
  clearTimeout(timer);
  return result;
}

/** A one-line description of how a child ended, for messages. */
export function describeExit(e: ChildExit): string {
  if (e.error !== undefined) return `could not be started: ${e.error.message}`;
  if (e.signal !== null) return `was killed by ${e.signal}`;
  return `exited with status ${e.code ?? '?'}`;
}
