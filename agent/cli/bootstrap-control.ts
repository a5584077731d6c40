/**
 * `racker bootstrap` talking to a job in the agent: submit, follow until it ends (or Ctrl-C
 * detaches), --attach, --answer and --cancel. The job always runs in the agent; these only watch
 * and steer it, so losing the terminal never stops provisioning.
 */
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { ErrorCodes, RackerError, UsageError } from '../lib/errors.js';
import type { AgentClient } from '../api/client.js';
import type { JobRecord } from '../state/records.js';
import { watchJob, type JobApi } from './bootstrap-watch.js';
import { EXIT_DETACHED, exitCodeFor, isFinished, renderResult, resultJson } from './bootstrap-result.js';
import { terminalSafe } from '../cli-kit/terminal-text.js';
import { jobHeadline } from './bootstrap-progress.js';
import { TerminalQuestionPrompter } from './prompt.js';

export const DETACHED_MESSAGE = 'detached; the bootstrap goes on in the agent. Re-attach with: racker bootstrap --attach';

export interface AgentJobs extends JobApi {
  list(): Promise<JobRecord[]>;
  submit(request: unknown): Promise<JobRecord>;
  cancel(id: string): Promise<JobRecord>;
}

export function agentJobs(client: AgentClient): AgentJobs {
  const id = (s: string): string => encodeURIComponent(s);
  return {
    job: async (jobId) => (await client.get(`/v1/jobs/${id(jobId)}`, 'job')).job,
    nodes: async () => (await client.get('/v1/nodes', 'nodes')).nodes,
    list: async () => (await client.get('/v1/jobs', 'jobs')).jobs,
    answer: async (jobId, questionId, answer) => (await client.post(`/v1/jobs/${id(jobId)}/answer`, 'job', { questionId, answer })).job,
    submit: async (request) => (await client.post('/v1/jobs', 'job', request)).job,
    cancel: async (jobId) => (await client.post(`/v1/jobs/${id(jobId)}/cancel`, 'job')).job,
  };
}

/**
 * The job a command means: the one named, else the one running, else (when `finishedToo`) the
 * newest. At most one job runs at a time, so "the running one" is never ambiguous.
 */
export async function findJob(api: AgentJobs, id: string | undefined, finishedToo: boolean): Promise<JobRecord> {
  if (id !== undefined) return api.job(id);
  const jobs = await api.list();
  const running = jobs.find((j) => !isFinished(j));
  if (running !== undefined) return running;
  const newest = [...jobs].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (finishedToo && newest !== undefined) return newest;
  throw new RackerError(ErrorCodes.notFound, `no bootstrap job is running${newest === undefined ? '' : ` (the last one, ${newest.id}, ${newest.state})`}`,
    { hint: newest === undefined ? 'start one with racker bootstrap' : 'racker bootstrap --attach shows the last job\'s result; racker bootstrap starts a new one' });
}

/** Follow a job until it finishes (exit 0 if it succeeded, 1 otherwise) or Ctrl-C detaches (EXIT_DETACHED). */
export async function followJob(api: JobApi, jobId: string, ctx: CliContext, json: boolean): Promise<number> {
  const detach = new AbortController();
  const onSigint = (): void => detach.abort();
  process.on('SIGINT', onSigint);
  const terminal = ctx.stderr.isTTY === true;
  const prompter = terminal && ctx.stdin.isTTY === true ? new TerminalQuestionPrompter(ctx.stdin, ctx.stderr, onSigint) : undefined;
  try {
    const end = await watchJob({ api, jobId, out: ctx.stderr, live: terminal, prompter, detach: detach.signal });
    if (end.kind === 'detached') {
      ctx.stderr.write(`\n${DETACHED_MESSAGE}\n`);
      if (json && end.view !== undefined) writeLine(ctx.stdout, resultJson(end.view));
      return EXIT_DETACHED;
    }
    writeLine(ctx.stdout, json ? resultJson(end.view) : `\n${renderResult(terminalSafe(end.view), new Date())}`);
    return exitCodeFor(end.view.job);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** --answer VALUE [JOB]: answer the running job's open question. */
export async function answerJob(api: AgentJobs, value: string, id: string | undefined, ctx: CliContext, json: boolean): Promise<number> {
  const job = await findJob(api, id, false);
  const q = job.question;
  if (q === undefined) {
    throw new RackerError(ErrorCodes.conflict, `job ${job.id} has no open question (${jobHeadline(job, new Date())})`, { hint: 'a question appears when a node fails under --on-failure ask; racker bootstrap --attach shows it' });
  }
  if (!q.choices.includes(value)) throw new UsageError(`--answer: "${value}" is not an answer to: ${q.text}`, `answer one of: ${q.choices.join(', ')}`);
  const after = await api.answer(job.id, q.id, value);
  writeLine(ctx.stdout, json ? JSON.stringify({ job: after }) : `job ${job.id}: answered ${value} to: ${q.text}`);
  return 0;
}

/** --cancel [JOB]: stop the running job (the agent answers once it has stopped). */
export async function cancelJob(api: AgentJobs, id: string | undefined, ctx: CliContext, json: boolean): Promise<number> {
  const job = await findJob(api, id, false);
  if (!json) ctx.stderr.write(`cancelling job ${job.id} ...\n`);
  const after = await api.cancel(job.id);
  writeLine(ctx.stdout, json ? JSON.stringify({ job: after }) : jobHeadline(after, new Date()));
  return 0;
}
