/**
 * Logging through pino. The daemon writes JSON lines to stdout (journald keeps them); the CLI writes
 * readable lines to stderr when it is on a TTY and JSON otherwise, so stdout stays for command
 * output and --json. Secrets are redacted by key wherever they appear in a log object; code must
 * still never put a secret in a message string.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { fstatSync } from 'node:fs';
import { TurnBatch } from './turn-batch.js';

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
  /** Daemon: the file descriptor or file the lines go to (default 1, stdout; benchmarks use /dev/null). */
  destination?: number | string;
}

/** What turnBatched needs of pino's destination (sonic-boom). */
export interface FlushableDestination {
  write(data: string): unknown;
  flushSync(): void;
  flush?(cb?: (err?: Error) => void): void;
}

const unflushed = new Set<() => void>();
process.once('exit', () => {
  for (const flush of unflushed) flush();
});

/**
 * The daemon's log lines reach pino's destination once per event-loop turn, joined: sonic-boom
 * measures the byte length of everything it holds on each write, so under a boot storm (an
 * access-log line per request, dozens per turn) line-by-line writes cost more than formatting the
 * lines. Order is kept. Lines still held when the process exits are written synchronously.
 */
export function turnBatched(dest: FlushableDestination): DestinationStream {
  const lines = new TurnBatch<string>((held) => dest.write(held.length === 1 ? held[0] as string : held.join('')));
  unflushed.add(() => {
    lines.flush();
    try {
      dest.flushSync();
    } catch {
      // Not open yet or already closed: nothing more can be written.
    }
  });
  return {
    write: (line: string): void => lines.push(line),
    // logger.flush(): what this turn logged goes to the destination, and on to its file.
    flush(cb?: (err?: Error) => void): void {
      lines.flush();
      if (dest.flush !== undefined) dest.flush(cb);
      else cb?.();
    },
  } as DestinationStream;
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

/** syslog priorities, which journald reads from a `<N>` prefix on a line (SyslogLevelPrefix=yes, its default). */
const SYSLOG_PRIORITY: Readonly<Record<string, number>> = { fatal: 2, error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

/** A JSON log line with its level as journald's priority prefix, so `journalctl -p err` finds errors. */
export function journalLine(line: string): string {
  const label = /^\{"level":"(\w+)"/.exec(line)?.[1];
  const priority = label === undefined ? undefined : SYSLOG_PRIORITY[label];
  return priority === undefined ? line : `<${priority}>${line}`;
}

/** Whether fd 1 is the journal stream systemd gave us (JOURNAL_STREAM is "device:inode" of it). */
function stdoutIsJournal(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.JOURNAL_STREAM === undefined) return false;
  try {
    const st = fstatSync(1);
    return env.JOURNAL_STREAM === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

/** Colours on a terminal unless NO_COLOR is set to anything but the empty string (no-color.org). */
export function colorWanted(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return (env.NO_COLOR ?? '') === '';
}

export function createLogger(options: LoggerOptions): Logger {
  const journal = options.mode === 'daemon' && options.stream === undefined && options.destination === undefined && stdoutIsJournal();
  const base = {
    ...(journal ? { hooks: { streamWrite: journalLine } } : {}),
    level: options.level ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: options.mode === 'daemon' ? { pid: process.pid } : undefined,
    timestamp: isoTimeField,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.stream !== undefined) return pino(base, options.stream);
  if (options.mode === 'daemon') return pino(base, turnBatched(pino.destination({ dest: options.destination ?? 1, sync: false })));
  if (process.stderr.isTTY) {
    return pino(base, pretty({ destination: 2, sync: true, colorize: colorWanted(), ignore: 'pid,hostname', translateTime: 'HH:MM:ss' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for code paths and tests that need one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
