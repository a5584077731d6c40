/**
 * Following a bootstrap job from the CLI: poll the agent (GET /v1/jobs/:id and GET /v1/nodes, about
 * once a second) and show progress until the job finishes or the operator detaches. On a terminal
 * the progress is redrawn in place; otherwise each change is one plain line. An open question of
 * the failure policy `ask` is put to the operator when there is a terminal to answer on, and
 * otherwise printed with the command that answers it; either way the watch goes on.
 *
 * Polling, not the event stream: the node records carry their recent phase history, so nothing is
 * lost between two polls, and a poll survives an agent restart without any resume logic.
 */
import type { Writable } from 'node:stream';
import { ErrorCodes, isRackerError } from '../lib/errors.js';
import { sleep } from '../lib/backoff.js';
import type { JobQuestion, JobRecord, NodeRecord } from '../state/records.js';
import { escapeControlsKeepLines, terminalSafe } from '../cli-kit/terminal-text.js';
import { answerCommand, initialPlainState, jobNodes, plainChanges, renderLive, type JobView } from './bootstrap-progress.js';
import { isFinished } from './bootstrap-result.js';

/** What the watch needs from the agent (an AgentClient in the CLI, a fake in tests). */
export interface JobApi {
  job(id: string): Promise<JobRecord>;
  nodes(): Promise<NodeRecord[]>;
  answer(id: string, questionId: string, answer: string): Promise<JobRecord>;
}

/** Puts a question to the operator; resolves undefined when `signal` aborts first (answered elsewhere, detached). */
export interface QuestionPrompter {
  ask(q: JobQuestion, signal: AbortSignal): Promise<string | undefined>;
}

export type ProgressStream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

export interface WatchOptions {
  api: JobApi;
  jobId: string;
  /** Where progress goes (stderr: stdout keeps the result). */
  out: ProgressStream;
  /** Redraw in place (a terminal) or print a plain line per change. */
  live: boolean;
  /** Present when there is a terminal to answer on. */
  prompter: QuestionPrompter | undefined;
  /** Aborted when the operator detaches (Ctrl-C). */
  detach: AbortSignal;
  intervalMs?: number;
  now?: () => Date;
}

export type WatchEnd = { kind: 'finished'; view: JobView } | { kind: 'detached'; view: JobView | undefined };

export async function watchJob(o: WatchOptions): Promise<WatchEnd> {
  const now = o.now ?? ((): Date => new Date());
  const interval = o.intervalMs ?? 1000;
  let plain = initialPlainState();
  let drawn = 0;
  let drawnWidth = 0;
  let view: JobView | undefined;
  let handled: string | undefined;
  let agentAway = false;

  const fetchView = async (): Promise<JobView> => {
    const [job, nodes] = await Promise.all([o.api.job(o.jobId), o.api.nodes()]);
    return { job, nodes: jobNodes(job, nodes) };
  };
  const draw = (v: JobView): void => {
    if (!o.live) {
      const c = plainChanges(v, plain, now());
      plain = c.state;
      if (c.lines.length > 0) o.out.write(`${c.lines.join('\n')}\n`);
      return;
    }
    const width = o.out.columns ?? 80;
    const lines = renderLive(v, { now: now(), width, height: o.out.rows ?? 24, question: o.prompter === undefined });
    // Narrower than before: the old lines have wrapped and their count is unknown; start afresh.
    const back = width < drawnWidth ? '\x1b[H\x1b[2J' : drawn > 0 ? `\x1b[${drawn}A\r` : '';
    o.out.write(`${back}${lines.map((l) => `\x1b[2K${l}\n`).join('')}\x1b[J`);
    drawn = lines.length;
    drawnWidth = width;
  };

  while (!o.detach.aborted) {
    try {
      view = await fetchView();
    } catch (e) {
      if (!isRackerError(e) || e.code !== ErrorCodes.agentUnavailable) throw e;
      if (!agentAway) o.out.write(`the agent does not answer (${escapeControlsKeepLines(e.message)}); the job resumes when it is back; still watching (Ctrl-C to detach)\n`);
      agentAway = true;
      drawn = 0;
      await sleep(interval * 2, o.detach).catch(() => undefined);
      continue;
    }
    if (agentAway) o.out.write('the agent answers again\n');
    agentAway = false;
    draw(terminalSafe(view));
    if (isFinished(view.job)) return { kind: 'finished', view };
    const q = view.job.question === undefined ? undefined : terminalSafe(view.job.question);
    if (q !== undefined && q.id !== handled) {
      handled = q.id;
      if (o.prompter !== undefined) {
        drawn = 0; // the prompt goes below the screen; the next one starts after it
        await putQuestion(o, q, interval);
        continue;
      }
      if (!o.live) o.out.write(`question: ${q.text}\n  answer it with: ${answerCommand(q)}\n  (still watching; Ctrl-C to detach)\n`);
    }
    await sleep(interval, o.detach).catch(() => undefined);
  }
  return { kind: 'detached', view };
}

/**
 * Ask on the terminal while polling the job: when the question is answered elsewhere (another
 * shell's `--answer`) or replaced, the prompt is withdrawn. A late answer the agent refuses (409)
 * is reported, not fatal.
 */
async function putQuestion(o: WatchOptions, q: JobQuestion, interval: number): Promise<void> {
  const withdraw = new AbortController();
  const onDetach = (): void => withdraw.abort();
  o.detach.addEventListener('abort', onDetach, { once: true });
  const poll = (async (): Promise<void> => {
    while (!withdraw.signal.aborted) {
      await sleep(interval, withdraw.signal).catch(() => undefined);
      if (withdraw.signal.aborted) return;
      const job = await o.api.job(o.jobId).catch(() => undefined);
      if (job !== undefined && job.question?.id !== q.id) {
        o.out.write(`\nthe question was ${isFinished(job) ? `closed: the job ${job.state}` : 'answered elsewhere'}\n`);
        withdraw.abort();
      }
    }
  })();
  try {
    const answer = await o.prompter?.ask(q, withdraw.signal);
    if (answer === undefined || withdraw.signal.aborted) return;
    try {
      await o.api.answer(o.jobId, q.id, answer);
      o.out.write(`answered: ${answer}\n`);
    } catch (e) {
      if (!isRackerError(e) || e.code !== ErrorCodes.conflict) throw e;
      o.out.write(`the agent did not take the answer: ${escapeControlsKeepLines(e.message)}\n`);
    }
  } finally {
    withdraw.abort();
    o.detach.removeEventListener('abort', onDetach);
    await poll;
  }
}
