/**
 * Asking the operator before a destructive step. Only a terminal can answer: with stdin not a
 * terminal (a script, a pipe, ssh without -t) the question is not asked and the command stops,
 * naming the flag that confirms in advance.
 */
import { createInterface } from 'node:readline/promises';
import type { CliContext } from '../agent/cli-kit/context.js';
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';

export async function confirm(ctx: CliContext, question: string, flag: string): Promise<boolean> {
  if (ctx.stdin.isTTY !== true) {
    throw new RackerError(ErrorCodes.notConfirmed, 'refusing to continue without confirmation: stdin is not a terminal, so nobody can be asked',
      { hint: `run it in a terminal, or pass ${flag} to confirm in advance` });
  }
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr, terminal: false });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
