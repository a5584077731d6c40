/** A fake Exec for container-mode tests: records systemctl/journalctl calls and answers from a script. */
import type { Exec, ExecOptions, ExecResult } from '../../agent/lib/exec.js';
import { CommandFailedError } from '../../agent/lib/errors.js';

export interface RecordedCall {
  file: string;
  args: readonly string[];
  options: ExecOptions | undefined;
}

export class FakeSystemctl {
  readonly calls: RecordedCall[] = [];
  /** Whether the unit is active (answers `is-active`). */
  active = true;
  mainPid = 4242;
  /** Verbs that fail (exit 1) with this stderr. */
  failing = new Map<string, string>();

  readonly exec: Exec = async (file, args, options) => {
    this.calls.push({ file, args, options });
    const verb = args[0] ?? '';
    const failure = this.failing.get(verb);
    if (failure !== undefined) throw new CommandFailedError(`${file} ${args.join(' ')}`, 1, failure);
    const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', exitCode: 0 });
    if (verb === 'is-active') {
      if (this.active) return ok();
      const code = 3;
      if (options?.okExitCodes?.includes(code) !== true) throw new CommandFailedError(`${file} ${args.join(' ')}`, code, '');
      return { stdout: '', stderr: '', exitCode: code };
    }
    if (verb === 'show') return ok(`${this.mainPid}\n`);
    if (verb === 'restart') this.active = true;
    if (verb === 'stop') this.active = false;
    return ok();
  };

  /** The argv of every call, as `file arg arg`. */
  get commands(): string[] {
    return this.calls.map((c) => [c.file, ...c.args].join(' '));
  }
}
