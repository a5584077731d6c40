/**
 * Terminal prompts for `racker bootstrap`: one question at a time on stderr (stdout stays for
 * results), the default in brackets, choices numbered. Used only when stdin and stderr are a TTY.
 */
import { createInterface, type Interface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import type { Option, Prompter, Question } from '../../bootstrap/questions.js';

export class TerminalPrompter implements Prompter {
  private rl: Interface | undefined;

  constructor(private readonly input: Readable, private readonly output: Writable) {}

  async ask(q: Question, options: Option[] | undefined, defaultText: string | undefined, error?: string): Promise<string> {
    this.rl ??= createInterface({ input: this.input, output: this.output, terminal: true });
    if (error !== undefined) this.output.write(`  ✗ ${error}\n`);
    this.output.write(`\n${q.message}\n`);
    options?.forEach((o, i) => this.output.write(`  ${i + 1}) ${o.value}${o.label !== o.value ? `  ${o.label}` : ''}\n`));
    const answer = (await this.rl.question(`  [${defaultText ?? ''}] (--${q.flag}) > `)).trim();
    const n = Number(answer);
    if (options !== undefined && Number.isInteger(n) && n >= 1 && n <= options.length) return (options[n - 1] as Option).value;
    return answer;
  }

  close(): void {
    this.rl?.close();
  }
}
