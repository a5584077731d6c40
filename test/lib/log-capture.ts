/** A pino logger writing parsed JSON lines into an array, so tests assert on what was logged. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../agent/lib/log.js';

export interface CapturedLog {
  log: Logger;
  lines: Record<string, unknown>[];
}

export function captureLog(level: 'debug' | 'info' = 'info'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ mode: 'daemon', level, stream }), lines };
}
