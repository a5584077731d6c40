/**
 * The one way racker runs another program: never through a shell, always with a timeout, stderr
 * captured for the error message. Secrets travel by environment variable, stdin or file, never in
 * argv (argv is world-readable through /proc/PID/cmdline). Argument lists are built by pure
 * functions next to each tool's adaptor and unit-tested by value.
 */
import { execa } from 'execa';
import { CommandFailedError, CommandTimeoutError } from './errors.js';

export interface ExecOptions {
  /** Kill the program after this long. Default 30 s. */
  timeoutMs?: number;
  /** Extra environment, merged over ours. Put secrets here (e.g. IPMI_PASSWORD for `ipmitool -E`). */
  env?: Readonly<Record<string, string>>;
  /** Bytes or text fed to stdin (another safe channel for secrets). */
  input?: string | Uint8Array;
  cwd?: string;
  signal?: AbortSignal;
  /** Exit statuses that are not failures (default only 0). */
  okExitCodes?: readonly number[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The signature fakes implement in unit tests. */
export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Human form of a command for messages: program and arguments, never the environment. */
export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** Run a program to completion. Throws CommandFailedError or CommandTimeoutError. */
export const exec: Exec = async (file, args, options = {}) => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const command = describeCommand(file, args);
  const result = await execa(file, [...args], {
    shell: false,
    reject: false,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env: options.env === undefined ? undefined : { ...options.env },
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    cwd: options.cwd,
    cancelSignal: options.signal,
    stripFinalNewline: false,
    encoding: 'utf8',
  });
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.timedOut) throw new CommandTimeoutError(command, timeoutMs, stderr);
  if (result.isCanceled) throw new CommandFailedError(command, undefined, 'cancelled');
  const exitCode = result.exitCode;
  if (exitCode === undefined) {
    // Not started (ENOENT, EACCES) or killed by a signal: say which.
    const why = result.signal !== undefined ? `killed by ${result.signal}` : result.originalMessage ?? result.message;
    throw new CommandFailedError(command, undefined, `${stderr}${why}`,
      { hint: (result.code === 'ENOENT') ? `install ${file} or check PATH` : undefined });
  }
  const ok = options.okExitCodes ?? [0];
  if (!ok.includes(exitCode)) throw new CommandFailedError(command, exitCode, stderr);
  return { stdout, stderr, exitCode };
};
