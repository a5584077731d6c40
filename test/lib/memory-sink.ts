/** StateSink and FailureAsker fakes: keep every saved state; answer questions from a script. */
import type { FailureAsker, StateSink } from '../../bootstrap/ports.js';
import type { JobState } from '../../bootstrap/job-state.js';
import type { NodeFailure } from '../../bootstrap/failure.js';

export class MemorySink implements StateSink {
  readonly saves: JobState[] = [];

  async save(state: JobState): Promise<void> {
    this.saves.push(structuredClone(state));
  }

  get last(): JobState | undefined {
    return this.saves[this.saves.length - 1];
  }
}

export class ScriptedAsker implements FailureAsker {
  readonly asked: NodeFailure[] = [];

  constructor(private readonly answers: ('retry' | 'exclude' | 'cancel')[]) {}

  async ask(failure: NodeFailure): Promise<'retry' | 'exclude' | 'cancel'> {
    this.asked.push(failure);
    return this.answers.shift() ?? 'cancel';
  }
}
