/**
 * The end of `racker bootstrap`: every node's result (ready, failed, excluded ...) with, for a
 * failure, the step, what was observed and what to do; the job's outcome; and the exit status.
 * Pure.
 */
import { FINISHED_JOB_STATES, type JobRecord, type NodeRecord } from '../state/records.js';
import { jobHeadline, type JobView } from './bootstrap-progress.js';

/** Exit status when Ctrl-C detaches: the job goes on, its outcome is unknown (128 + SIGINT, as a shell reports an interrupted command). */
export const EXIT_DETACHED = 130;

export type NodeResult = 'ready' | 'skipped' | 'failed' | 'excluded' | 'cancelled' | 'unfinished';

export interface NodeOutcome {
  hostname: string;
  mac: string;
  result: NodeResult;
  /** Where the node got to. */
  phase: string;
  problem?: { step: string; message: string; hint?: string };
}

/** For job `jobId`: a node another job provisioned was skipped by this one. */
export function nodeResult(n: NodeRecord, jobId?: string): NodeResult {
  if (jobId !== undefined && n.phase.name === 'provisioned' && n.phase.job !== jobId) return 'skipped';
  switch (n.phase.name) {
    case 'provisioned': case 'ready': case 'joined': return 'ready';
    case 'failed': return 'failed';
    case 'excluded': return 'excluded';
    case 'cancelled': return 'cancelled';
    default: return 'unfinished';
  }
}

export function nodeOutcomes(nodes: readonly NodeRecord[], jobId?: string): NodeOutcome[] {
  return nodes.map((n) => {
    const result = nodeResult(n, jobId);
    const problem = n.lastError !== undefined && result !== 'ready' && result !== 'skipped'
      ? { step: n.lastError.step, message: n.lastError.message, ...(n.lastError.hint === undefined ? {} : { hint: n.lastError.hint }) }
      : undefined;
    return { hostname: n.hostname, mac: n.mac, result, phase: problem?.step ?? n.phase.name, ...(problem === undefined ? {} : { problem }) };
  });
}

/** 0 only when the job succeeded. */
export function exitCodeFor(job: JobRecord): number {
  return job.state === 'succeeded' ? 0 : 1;
}

export const isFinished = (job: JobRecord): boolean => FINISHED_JOB_STATES.includes(job.state);

/** The final table (NODE RESULT PHASE HINT), the problems in full, and the job's outcome. */
export function renderResult(v: JobView, now: Date): string {
  const outcomes = nodeOutcomes(v.nodes, v.job.id);
  const header = ['NODE', 'RESULT', 'PHASE', 'HINT'];
  const rows = outcomes.map((o) => [o.hostname, o.result, o.phase, o.problem === undefined ? (o.result === 'skipped' ? 'provisioned by an earlier job; --reprovision reinstalls it' : '') : o.problem.hint ?? 'see the problem below']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  const problems = outcomes.filter((o) => o.problem !== undefined);
  if (problems.length > 0) {
    out.push('', 'Problems:');
    for (const o of problems) out.push(`  ${o.hostname} (${o.mac}), ${o.problem?.step ?? ''}: ${o.problem?.message ?? ''}`);
  }
  const count = (r: NodeResult): number => outcomes.filter((o) => o.result === r).length;
  const parts = (['ready', 'skipped', 'failed', 'excluded', 'cancelled', 'unfinished'] as const).filter((r) => count(r) > 0 || r === 'ready').map((r) => `${count(r)} ${r}`);
  out.push('', `${outcomes.length} node${outcomes.length === 1 ? '' : 's'}: ${parts.join(', ')}.`);
  out.push(jobHeadline(v.job, now));
  if (v.job.error !== undefined) {
    out.push(`  ${v.job.error.message}`);
    if (v.job.error.hint !== undefined) out.push(`  hint: ${v.job.error.hint}`);
  }
  if (v.job.state !== 'succeeded') out.push(nextStep(v.job, count('failed')));
  return out.join('\n');
}

function nextStep(job: JobRecord, failed: number): string {
  if (!isFinished(job)) return `The job is still ${job.state} in the agent: racker bootstrap --attach ${job.id}`;
  if (job.state === 'interrupted') return 'Run racker bootstrap again: finished nodes are skipped.';
  return `${failed > 0 ? 'Fix what the hints say, then run' : 'Run'} racker bootstrap again: nodes already ready are skipped (--reprovision to redo them).`;
}

/** The --json form of the result. */
export function resultJson(v: JobView): string {
  return JSON.stringify({ job: v.job, nodes: nodeOutcomes(v.nodes, v.job.id), exitCode: isFinished(v.job) ? exitCodeFor(v.job) : EXIT_DETACHED });
}
