/**
 * racker's error taxonomy. Every error an operator can act on is a RackerError with a stable code
 * (documented in docs/errors.md; a test keeps the two in step), an exit code, and optionally a hint
 * that says what to do next. Anything else reaching the CLI is a bug and is reported as such.
 */

export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes. Never rename one: scripts and docs depend on them. */
export const ErrorCodes = {
  usage: 'RACKER_E_USAGE',
  config: 'RACKER_E_CONFIG',
  inventory: 'RACKER_E_INVENTORY',
  credentials: 'RACKER_E_CREDENTIALS',
  addressPlan: 'RACKER_E_ADDRESS_PLAN',
  commandFailed: 'RACKER_E_COMMAND_FAILED',
  commandTimeout: 'RACKER_E_COMMAND_TIMEOUT',
  io: 'RACKER_E_IO',
  bmc: 'RACKER_E_BMC',
  bmcAuth: 'RACKER_E_BMC_AUTH',
  bmcTimeout: 'RACKER_E_BMC_TIMEOUT',
  bmcUnsupported: 'RACKER_E_BMC_UNSUPPORTED',
  agentUnavailable: 'RACKER_E_AGENT_UNAVAILABLE',
  agentReply: 'RACKER_E_AGENT_REPLY',
  notFound: 'RACKER_E_NOT_FOUND',
  conflict: 'RACKER_E_CONFLICT',
  dhcp: 'RACKER_E_DHCP',
  listen: 'RACKER_E_LISTEN',
  build: 'RACKER_E_BUILD',
  payload: 'RACKER_E_PAYLOAD',
  verify: 'RACKER_E_VERIFY',
  install: 'RACKER_E_INSTALL',
  container: 'RACKER_E_CONTAINER',
  notConfirmed: 'RACKER_E_NOT_CONFIRMED',
  state: 'RACKER_E_STATE',
  badRequest: 'RACKER_E_BAD_REQUEST',
  forbidden: 'RACKER_E_FORBIDDEN',
  notImplemented: 'RACKER_E_NOT_IMPLEMENTED',
  plan: 'RACKER_E_PLAN',
  assets: 'RACKER_E_ASSETS',
  signature: 'RACKER_E_SIGNATURE',
  flatcarDowngrade: 'RACKER_E_FLATCAR_DOWNGRADE',
  provisioning: 'RACKER_E_PROVISIONING',
  cluster: 'RACKER_E_CLUSTER',
  sim: 'RACKER_E_SIM',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface RackerErrorOptions {
  /** What the operator should do next. */
  hint?: string;
  cause?: unknown;
  exitCode?: ExitCode;
}

/** Base class: an expected, operator-fixable failure with a stable code. */
export class RackerError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: RackerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RackerError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** Thrown when the command line is wrong: unknown command, missing or bad flag. Exit code 2. */
export class UsageError extends RackerError {
  constructor(message: string, hint?: string) {
    super(ErrorCodes.usage, message, { hint, exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

/** One problem found in an input file, located as precisely as we can. */
export interface Problem {
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** Column name or configuration path, when known. */
  field?: string;
  message: string;
  /** How to fix it. */
  hint?: string;
}

/** Render a problem as `file:line: field: message (hint)`, the form every checker prints. */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const field = p.field === undefined ? '' : `${p.field}: `;
  const hint = p.hint === undefined ? '' : `\n    fix: ${p.hint}`;
  return `${where}: ${field}${p.message}${hint}`;
}

/** Thrown when an input file (configuration, nodes.csv, credentials) has one or more problems. */
export class ValidationError extends RackerError {
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, summary: string, problems: readonly Problem[]) {
    super(code, `${summary}\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Thrown by the exec wrapper when a program exits non-zero or cannot be started. */
export class CommandFailedError extends RackerError {
  readonly command: string;
  readonly exitStatus: number | undefined;
  readonly stderr: string;

  constructor(command: string, exitStatus: number | undefined, stderr: string, options: RackerErrorOptions = {}) {
    const status = exitStatus === undefined ? 'could not be run' : `exited with status ${exitStatus}`;
    const tail = stderr.trim() === '' ? '' : `: ${lastLines(stderr, 5)}`;
    super(ErrorCodes.commandFailed, `${command} ${status}${tail}`, options);
    this.name = 'CommandFailedError';
    this.command = command;
    this.exitStatus = exitStatus;
    this.stderr = stderr;
  }
}

/** Thrown by the exec wrapper when a program outlives its timeout (it has been killed). */
export class CommandTimeoutError extends RackerError {
  readonly command: string;
  readonly timeoutMs: number;

  constructor(command: string, timeoutMs: number, stderr: string) {
    const tail = stderr.trim() === '' ? '' : `; last output: ${lastLines(stderr, 3)}`;
    super(ErrorCodes.commandTimeout, `${command} did not finish within ${timeoutMs} ms and was killed${tail}`);
    this.name = 'CommandTimeoutError';
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/**
 * Why a running job or loop was aborted, given as the AbortSignal's reason. Code that must tell
 * "the agent is stopping" (resume at the next start) from "cancelled" (finish the job) reads
 * `abortCode`, never the message text.
 */
export type AbortCode = 'agent-stopping' | 'cancelled';

export class AbortReason extends Error {
  constructor(readonly abortCode: AbortCode, message: string = abortCode === 'agent-stopping' ? 'agent stopping' : 'cancelled') {
    super(message);
    this.name = 'AbortReason';
  }
}

/** The code a signal was aborted with; undefined when it is not aborted or was aborted some other way. */
export function abortCode(signal: AbortSignal): AbortCode | undefined {
  return signal.aborted && signal.reason instanceof AbortReason ? signal.reason.abortCode : undefined;
}

/** The message of anything thrown: an Error's message, or the value as text (a thrown string, a rejected non-Error). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function isRackerError(e: unknown): e is RackerError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' &&
    String((e as unknown as { code: string }).code).startsWith('RACKER_E_');
}

/** Node.js system error with a code such as ENOENT. */
export interface SystemError extends Error {
  code: string;
  path?: string;
  syscall?: string;
}

export function isSystemError(e: unknown, code?: string): e is SystemError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' &&
    (code === undefined || (e as SystemError).code === code);
}

export const isENOENT = (e: unknown): e is SystemError => isSystemError(e, 'ENOENT');
export const isEACCES = (e: unknown): e is SystemError => isSystemError(e, 'EACCES');
export const isEISDIR = (e: unknown): e is SystemError => isSystemError(e, 'EISDIR');
