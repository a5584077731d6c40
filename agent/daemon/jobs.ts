/**
 * Jobs: a bootstrap submitted over the control API runs here, inside the agent, so a dropped SSH
 * session never stops provisioning. The manager validates and records the job, hands it to the
 * JobRunner (the bootstrap subsystem implements it), relays the failure policy's questions and
 * their answers, cancels on request, and resumes unfinished jobs when the agent starts again.
 *
 * INVARIANTS: at most one job is active (pending, running or waiting); every state change is in
 * the state store (persisted) before the API call that caused it returns.
 */
import { randomBytes } from 'node:crypto';
import { AbortReason, ErrorCodes, RackerError, abortCode, isRackerError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import type { JobMetrics } from '../metrics/metrics.js';
import { FINISHED_JOB_STATES, type JobQuestion, type JobRecord } from '../state/records.js';
import type { StateStore } from '../state/state-store.js';
import type { BootstrapRequest } from '../api/requests.js';

export interface JobContext {
  /** Aborted when the job is cancelled or the agent stops (then `abortCode(signal)` is 'agent-stopping'). */
  signal: AbortSignal;
  /** True when the agent restarted while the job ran; node phases say where each node got to. */
  resumed: boolean;
  /** Ask the operator (failure policy `ask`); resolves with one of `choices`. */
  ask(question: { text: string; choices: string[]; node?: string }): Promise<string>;
  /** Report progress; counts are absolute. */
  progress(p: Partial<JobRecord['progress']> & { message?: string }): void;
}

export interface JobOutcome {
  state: 'succeeded' | 'failed';
  message?: string;
}

/** What the bootstrap subsystem implements. */
export interface JobRunner {
  /** Reject with a RackerError when the request is invalid (the API answers 4xx with it; nothing is recorded). */
  validate?(request: BootstrapRequest): void | Promise<void>;
  run(job: Readonly<JobRecord>, ctx: JobContext): Promise<JobOutcome>;
}

interface Active {
  id: string;
  abort: AbortController;
  /** The open question the job waits on. */
  pending?: { question: JobQuestion; resolve: (answer: string) => void };
  /**
   * The question that was open when the agent stopped: it stays open (and may be answered) until the
   * resumed job asks it again, which then takes it over with its id, or the answer given meanwhile.
   */
  carried?: { question: JobQuestion; answer?: string };
  /** One question is open at a time: nodes that fail together wait their turn, in the order they asked. */
  asking: Promise<unknown>;
  done: Promise<void>;
}

/** The resumed job asks again what it asked before the restart: same node, same words. */
function sameQuestion(a: JobQuestion, q: { text: string; choices: string[]; node?: string }): boolean {
  return a.node === q.node && a.text === q.text && a.choices.join('/') === q.choices.join('/');
}

export class JobManager implements Service {
  readonly name = 'jobs';
  private active: Active | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly runner: JobRunner | undefined,
    private readonly metrics: JobMetrics,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Resume jobs the agent was running when it stopped or died. */
  async start(_signal: AbortSignal): Promise<void> {
    for (const job of this.store.jobs().filter((j) => !FINISHED_JOB_STATES.includes(j.state))) {
      if (this.runner === undefined || this.active !== undefined) {
        this.finish(job.id, 'interrupted', undefined, { code: ErrorCodes.notImplemented, message: 'the agent restarted and cannot resume this job', hint: 'submit the bootstrap again' });
        continue;
      }
      this.log.info({ job: job.id }, 'resuming a job the agent was running when it stopped');
      this.launch(job, true);
    }
    await this.store.persisted();
  }

  /** Interrupt the running job so that it resumes at the next start. */
  async stop(): Promise<void> {
    const a = this.active;
    if (a === undefined) return;
    a.abort.abort(new AbortReason('agent-stopping'));
    await a.done;
  }

  list(): JobRecord[] {
    return this.store.jobs();
  }

  get(id: string): JobRecord {
    const job = this.store.job(id);
    if (job === undefined) throw new RackerError(ErrorCodes.notFound, `no job ${id}`, { hint: 'GET /v1/jobs lists the jobs' });
    return job;
  }

  async create(request: BootstrapRequest, total: number): Promise<JobRecord> {
    if (this.runner === undefined) {
      throw new RackerError(ErrorCodes.notImplemented, 'this agent cannot run a bootstrap: it was built without the bootstrap runner', { hint: 'install a racker release that includes `racker bootstrap`' });
    }
    this.refuseWhileActive();
    await this.runner.validate?.(request);
    this.refuseWhileActive(); // another request may have started a job while this one was checked
    const job: JobRecord = {
      id: `${this.now().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`,
      kind: request.kind, state: 'pending', createdAt: this.now().toISOString(), request: { ...request },
      progress: { total, ready: 0, failed: 0, excluded: 0 },
    };
    this.store.putJob(job, { type: 'job.created', level: 'info', message: `bootstrap job ${job.id} created for ${total} node${total === 1 ? '' : 's'}` });
    this.launch(job, false);
    await this.store.persisted();
    return this.get(job.id);
  }

  private refuseWhileActive(): void {
    if (this.active !== undefined) {
      throw new RackerError(ErrorCodes.conflict, `job ${this.active.id} is still running`, { hint: `wait for it (racker status --watch) or cancel it (POST /v1/jobs/${this.active.id}/cancel)` });
    }
  }

  async answer(id: string, questionId: string, answer: string): Promise<JobRecord> {
    const a = this.active;
    const open = a?.id !== id ? undefined : a.pending ?? (a.carried?.answer === undefined ? a.carried : undefined);
    if (open === undefined || a === undefined) throw new RackerError(ErrorCodes.conflict, `job ${this.get(id).id} has no open question`);
    if (open.question.id !== questionId) throw new RackerError(ErrorCodes.conflict, `question ${questionId} is no longer open; the open one is ${open.question.id}: ${open.question.text}`);
    if (!open.question.choices.includes(answer)) {
      throw new RackerError(ErrorCodes.badRequest, `"${answer}" is not an answer to "${open.question.text}"`, { hint: `answer one of: ${open.question.choices.join(', ')}` });
    }
    // Carried over a restart and not asked again yet: the answer waits for the resumed job to ask.
    if ('resolve' in open) a.pending = undefined;
    else open.answer = answer;
    const job = this.get(id);
    this.store.putJob({ ...job, state: 'running', question: undefined }, { type: 'job.answered', level: 'info', message: `job ${id}: "${open.question.text}" answered ${answer}`, ...(open.question.node === undefined ? {} : { node: open.question.node }) });
    if ('resolve' in open) open.resolve(answer);
    await this.store.persisted();
    return this.get(id);
  }

  async cancel(id: string): Promise<JobRecord> {
    const job = this.get(id);
    if (FINISHED_JOB_STATES.includes(job.state)) throw new RackerError(ErrorCodes.conflict, `job ${id} has already finished (${job.state})`);
    const a = this.active;
    if (a?.id === id) {
      this.store.putJob({ ...job, message: 'cancelling' }, { type: 'job.cancel', level: 'warn', message: `job ${id}: cancel requested` });
      a.abort.abort(new AbortReason('cancelled'));
      await a.done;
    }
    return this.get(id);
  }

  private launch(job: JobRecord, resumed: boolean): void {
    const abort = new AbortController();
    // A question open when the agent stopped stays open: the resumed job asks it again.
    const carried = resumed && job.state === 'waiting' ? job.question : undefined;
    const active: Active = { id: job.id, abort, asking: Promise.resolve(), done: Promise.resolve(), ...(carried === undefined ? {} : { carried: { question: carried } }) };
    this.active = active;
    const started = this.now();
    this.store.putJob({ ...job, state: carried === undefined ? 'running' : 'waiting', question: carried, startedAt: job.startedAt ?? started.toISOString() }, { type: 'job.state', level: 'info', message: `job ${job.id} ${resumed ? 'resumed' : 'started'}` });
    const ctx: JobContext = {
      signal: abort.signal,
      resumed,
      ask: (q) => {
        const turn = active.asking.then(() => this.putQuestion(active, q));
        active.asking = turn.catch(() => undefined);
        return turn;
      },
      progress: (p) => {
        const cur = this.get(job.id);
        const { message, ...counts } = p;
        this.store.putJob({ ...cur, progress: { ...cur.progress, ...counts }, ...(message === undefined ? {} : { message }) });
      },
    };
    active.done = (async () => {
      try {
        const outcome = await (this.runner as JobRunner).run(this.get(job.id), ctx);
        this.finish(job.id, outcome.state, outcome.message);
      } catch (err) {
        if (abortCode(abort.signal) === 'agent-stopping') {
          this.store.putJob({ ...this.get(job.id), message: 'the agent stopped; the job resumes when it starts again' });
        } else if (abort.signal.aborted) {
          this.finish(job.id, 'cancelled', 'cancelled on request');
        } else {
          this.log.error({ err, job: job.id }, 'job failed');
          this.finish(job.id, 'failed', undefined, isRackerError(err) ? { code: err.code, message: err.message, hint: err.hint } : { code: 'RACKER_E_INTERNAL', message: errorMessage(err) });
        }
      } finally {
        if (this.active === active) this.active = undefined;
        const final = this.get(job.id).state;
        if (FINISHED_JOB_STATES.includes(final)) this.metrics.observeJob(job.kind, final, (this.now().getTime() - started.getTime()) / 1000);
        // Nobody may be waiting for `done`: a failed write is logged (the state store retries it with the next change).
        await this.store.persisted().catch((err: unknown) => this.log.error({ err, job: job.id }, 'the job\'s final state is not on disk yet'));
      }
    })();
  }

  /** Open the job's question (its turn has come) and wait for the answer. */
  private putQuestion(active: Active, q: { text: string; choices: string[]; node?: string }): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const signal = active.abort.signal;
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      const carried = active.carried;
      if (carried !== undefined && sameQuestion(carried.question, q)) {
        // Asked again after a restart: the same question (same id), or the answer given meanwhile.
        active.carried = undefined;
        if (carried.answer !== undefined) resolve(carried.answer);
        else active.pending = { question: carried.question, resolve };
        return;
      }
      // Another question comes first: an unanswered carried one gives way (it is asked anew in its turn).
      if (carried?.answer === undefined) active.carried = undefined;
      const question: JobQuestion = { id: randomBytes(4).toString('hex'), text: q.text, choices: q.choices, at: this.now().toISOString(), ...(q.node === undefined ? {} : { node: q.node }) };
      active.pending = { question, resolve };
      this.store.putJob({ ...this.get(active.id), state: 'waiting', question }, { type: 'job.question', level: 'warn', message: `job ${active.id} asks: ${q.text} (${q.choices.join('/')})`, ...(q.node === undefined ? {} : { node: q.node }) });
    });
  }

  private finish(id: string, state: JobRecord['state'], message?: string, error?: JobRecord['error']): void {
    const job = this.get(id);
    const level = state === 'succeeded' ? 'info' : 'error';
    this.store.putJob({ ...job, state, question: undefined, finishedAt: this.now().toISOString(), ...(message === undefined ? {} : { message }), ...(error === undefined ? {} : { error }) },
      { type: 'job.state', level, message: `job ${id} ${state}${message === undefined ? '' : `: ${message}`}${error === undefined ? '' : `: ${error.message}`}` });
  }
}
