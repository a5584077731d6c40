/** An Exec that records every call and answers from a handler (throw to simulate a failure). */
import type { Exec, ExecOptions, ExecResult } from '../../agent/lib/exec.js';
import { CommandFailedError } from '../../agent/lib/errors.js';
import { describeCommand } from '../../agent/lib/exec.js';

export interface RecordedCall {
  file: string;
  args: string[];
  options: ExecOptions | undefined;
}

export type Answer = Partial<ExecResult> | Error;

export function fakeExec(handler: (file: string, args: readonly string[]) => Answer | undefined): { exec: Exec; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const exec: Exec = async (file, args, options) => {
    calls.push({ file, args: [...args], options });
    const answer = handler(file, args) ?? {};
    if (answer instanceof Error) throw answer;
    const result = { stdout: '', stderr: '', exitCode: 0, ...answer };
    if (!(options?.okExitCodes ?? [0]).includes(result.exitCode)) throw new CommandFailedError(describeCommand(file, args), result.exitCode, result.stderr);
    return result;
  };
  return { exec, calls };
}

/** The error exec throws for a program that is not installed. */
export function notInstalled(file: string): CommandFailedError {
  return new CommandFailedError(file, undefined, `spawn ${file} ENOENT`, { hint: `install ${file} or check PATH` });
}
