/**
 * A JobRunner (what the bootstrap subsystem implements) with a script: ask the failure policy's
 * question when told to, report progress, then succeed, fail, or wait until cancelled.
 */
import type { JobContext, JobOutcome, JobRunner } from '../../agent/daemon/jobs.js';
import type { JobRecord } from '../../agent/state/records.js';
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';

export interface FakeRunScript {
  /** Ask this before finishing; the answer is recorded. */
  ask?: { text: string; choices: string[]; node?: string };
  /** Ask these all at once (nodes failing together); the answers are recorded in the order they come. */
  asks?: { text: string; choices: string[]; node?: string }[];
  /** Ask only once this resolves (a resumed job reaching the question later). */
  askAfter?: Promise<void>;
  /** Run until cancelled (or the agent stops). */
  hang?: boolean;
  fail?: string;
}

export class FakeJobRunner implements JobRunner {
  readonly runs: { id: string; resumed: boolean }[] = [];
  readonly answers: string[] = [];
  script: FakeRunScript = {};

  validate(request: { answers: { clusterName: string } }): void {
    if (request.answers.clusterName === 'refused-by-runner') {
      throw new RackerError(ErrorCodes.badRequest, 'this cluster name is refused by the runner', { hint: 'use another' });
    }
  }

  async run(job: Readonly<JobRecord>, ctx: JobContext): Promise<JobOutcome> {
    this.runs.push({ id: job.id, resumed: ctx.resumed });
    ctx.progress({ message: 'checking BMCs' });
    await this.script.askAfter;
    if (this.script.ask !== undefined) this.answers.push(await ctx.ask(this.script.ask));
    if (this.script.asks !== undefined) await Promise.all(this.script.asks.map(async (q) => this.answers.push(`${q.node ?? ''}: ${await ctx.ask(q)}`)));
    if (this.script.hang === true) {
      await new Promise<void>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
    }
    if (this.script.fail !== undefined) throw new RackerError(ErrorCodes.bmc, this.script.fail, { hint: 'check the BMC' });
    ctx.progress({ ready: job.progress.total, message: 'all nodes provisioned' });
    return { state: 'succeeded', message: `${job.progress.total} nodes provisioned` };
  }
}
