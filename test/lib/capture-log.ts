/** A pino logger whose lines tests can read back (parsed), instead of stubbing log levels. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../agent/lib/log.js';

export interface LogLine {
  level: string;
  msg: string;
  component?: string;
  [key: string]: unknown;
}

export function captureLog(level: 'debug' | 'info' | 'warn' = 'debug'): { log: Logger; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const s = chunk.toString();
      chunks.push(s);
      for (const l of s.split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { log: createLogger({ mode: 'daemon', level, stream }), lines, text: () => chunks.join('') };
}
