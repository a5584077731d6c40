/**
 * The one place CLI failures become output and an exit code. Expected failures (RackerError) print
 * their message and hint; anything else is a bug: a one-line report, and the stack only with --debug.
 */
import type { Writable } from 'node:stream';
import { ExitCode, isRackerError } from '../lib/errors.js';
import { escapeControlsKeepLines } from './terminal-text.js';

export function handleError(err: unknown, stderr: Writable, options: { debug?: boolean; json?: boolean } = {}): number {
  if (isRackerError(err)) {
    if (options.json === true) {
      stderr.write(`${JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint } })}\n`);
    } else {
      // Messages may carry what the agent, a node or a file said.
      stderr.write(`racker: ${escapeControlsKeepLines(err.message)}\n`);
      if (err.hint !== undefined) stderr.write(`hint: ${escapeControlsKeepLines(err.hint)}\n`);
    }
    if (options.debug === true && err.stack !== undefined) stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`racker: internal error: ${escapeControlsKeepLines(message)}\n`);
  if (options.debug === true && err instanceof Error && err.stack !== undefined) stderr.write(`${err.stack}\n`);
  else stderr.write('This is a bug in racker. Run again with --debug for details and report it.\n');
  return ExitCode.failure;
}
