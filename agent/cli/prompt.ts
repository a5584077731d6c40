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

/**
 * Puts the failure policy's question (a job's open question) to the operator: the text, the
 * choices numbered, an answer by number or by word. Ctrl-C at the prompt detaches like anywhere
 * else (`onInterrupt`), instead of readline swallowing it.
 */
export class TerminalQuestionPrompter {
  constructor(private readonly input: Readable, private readonly output: Writable, private readonly onInterrupt: () => void) {}

  async ask(q: { text: string; choices: readonly string[]; node?: string }, signal: AbortSignal): Promise<string | undefined> {
    const rl = createInterface({ input: this.input, output: this.output, terminal: true });
    rl.on('SIGINT', this.onInterrupt);
    try {
      this.output.write(`\n${q.text}\n`);
      q.choices.forEach((c, i) => this.output.write(`  ${i + 1}) ${c}\n`));
      for (;;) {
        const text = (await rl.question(`answer (1-${q.choices.length} or a word) > `, { signal })).trim();
        const n = Number(text);
        const answer = Number.isInteger(n) && n >= 1 && n <= q.choices.length ? q.choices[n - 1] : q.choices.find((c) => c === text.toLowerCase());
        if (answer !== undefined) return answer;
        this.output.write(`  "${text}" is not one of: ${q.choices.join(', ')}\n`);
      }
    } catch (e) {
      if (signal.aborted) return undefined;
      throw e;
    } finally {
      rl.close();
    }
  }
}
