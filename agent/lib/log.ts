/**
 * Logging through pino. The daemon writes JSON lines to stdout (journald keeps them); the CLI writes
 * readable lines to stderr when it is on a TTY and JSON otherwise, so stdout stays for command
 * output and --json. Secrets are redacted by key wherever they appear in a log object; code must
 * still never put a secret in a message string.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Keys whose values never reach a log line, at any depth we log at. */
export const REDACTED_KEYS = ['password', 'ipmiPassword', 'bmcPassword', 'token', 'secret', 'authorization', 'cookie',
  'privateKey', 'kubeconfig', 'joinToken', 'certificateKey', 'x-auth-token'] as const;

export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const k of REDACTED_KEYS) {
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
    const sep = key.startsWith('[') ? '' : '.';
    paths.push(key, `*${sep}${key}`, `*.*${sep}${key}`, `*.*.*${sep}${key}`);
  }
  return paths;
}

export interface LoggerOptions {
  /** `daemon`: JSON on stdout. `cli`: pretty on a TTY, JSON otherwise, on stderr. */
  mode: 'daemon' | 'cli';
  level?: LogLevel;
  /** Write here instead (tests parse the lines). */
  stream?: DestinationStream;
}

let isoMs = -1;
let isoField = '';

/**
 * pino's ISO timestamp, formatted once per millisecond: under a boot storm the access log writes
 * dozens of lines per millisecond, and formatting the date for each cost a third of a line's CPU.
 */
export function isoTimeField(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return isoField;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: options.mode === 'daemon' ? { pid: process.pid } : undefined,
    timestamp: isoTimeField,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.stream !== undefined) return pino(base, options.stream);
  if (options.mode === 'daemon') return pino(base, pino.destination({ dest: 1, sync: false }));
  if (process.stderr.isTTY) {
    return pino(base, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for code paths and tests that need one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
