/**
 * `bin/racker` as a long-running process (e.g. `racker bootstrap` following a job): output
 * captured as it comes, waits for text to appear, signals by PID. `kill()` in an after hook
 * cleans up a process a failed test left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { racker } from './paths.js';

export interface RackerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the stream's text matches; rejects after `timeoutMs` or if the process exits first. */
  waitFor: (pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number) => Promise<void>;
  /** The exit code (128 + signal number when killed by a signal). */
  exited: Promise<number>;
  signal: (signal: NodeJS.Signals) => void;
  kill: () => Promise<void>;
}

export function spawnRacker(args: readonly string[], env: Record<string, string>): RackerProcess {
  const child = spawn(process.execPath, [racker, ...args], { env: { PATH: process.env.PATH ?? '', ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const text = { stdout: '', stderr: '' };
  let wake: (() => void)[] = [];
  const onData = (k: 'stdout' | 'stderr') => (c: Buffer): void => {
    text[k] += c.toString();
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  let done = false;
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => {
    done = true;
    for (const f of wake) f();
    resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15));
  }));
  const waitFor = async (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stderr', timeoutMs = 15_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(text[stream])) {
      if (done || Date.now() > deadline) throw new Error(`racker ${args.join(' ')} ${done ? 'exited' : 'went on'} without printing ${String(pattern)} on ${stream}; stdout:\n${text.stdout}\nstderr:\n${text.stderr}`);
      await new Promise<void>((r) => { wake.push(r); setTimeout(r, 200); });
    }
  };
  return {
    child, exited, waitFor,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    signal: (s) => { if (!done && child.pid !== undefined) process.kill(child.pid, s); },
    kill: async () => {
      if (!done && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      await exited;
    },
  };
}
