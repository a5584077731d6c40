/**
 * The logger a CLI command hands to code that reads the agent's files while the agent is not
 * running (the event log for `racker logs` and `racker status --full`): a warning, such as a
 * damaged event line that was skipped, goes to stderr so the operator sees it; nothing else is
 * printed, and pino is not loaded for it (start-up of these commands is benchmarked, bench/agent).
 */
import type { Writable } from 'node:stream';
import type { Logger } from '../lib/log.js';

export function readingLogger(stderr: Writable): Logger {
  const warn = (a: unknown, b?: unknown): void => {
    stderr.write(`racker: ${typeof a === 'string' ? a : String(b)}\n`);
  };
  return { error: warn, warn, info: () => undefined, debug: () => undefined } as unknown as Logger;
}
