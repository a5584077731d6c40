/**
 * Job and node records for the CLI's bootstrap progress tests, and a JobApi fake that plays a
 * sequence of agent states, one per poll, recording answers.
 */
import type { JobRecord, NodeRecord } from '../../agent/state/records.js';
import type { NodePhase } from '../../agent/state/phases.js';
import type { JobApi, QuestionPrompter } from '../../agent/cli/bootstrap-watch.js';
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';

export const T0 = Date.parse('2030-01-01T12:00:00.000Z');
/** T0 + seconds, as ISO text. */
export const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

export function node(i: number, history: [NodePhase, number][], o: { job?: string; error?: { step: string; message: string; hint?: string; at: number }; hostname?: string; management?: boolean } = {}): NodeRecord {
  const h = history.map(([name, s]) => ({ name, at: at(s) }));
  const last = h[h.length - 1] ?? { name: 'new' as NodePhase, at: at(0) };
  const mac = `02:00:00:00:00:${String(i).padStart(2, '0')}`;
  return {
    mac, hostname: o.hostname ?? `node-${String(i).padStart(2, '0')}`, row: i, nodeType: 'purple', isManagement: o.management === true, inInventory: true,
    secondaryMac: `02:00:00:00:02:${String(i).padStart(2, '0')}`,
    bmc: { mac: `02:00:00:00:01:${String(i).padStart(2, '0')}`, driver: 'ipmi', reachable: true, failures: 0 },
    power: { state: 'on' },
    phase: { name: last.name, since: last.at, history: h, ...(o.job === undefined ? {} : { job: o.job }) },
    ...(o.error === undefined ? {} : { lastError: { step: o.error.step, message: o.error.message, ...(o.error.hint === undefined ? {} : { hint: o.error.hint }), at: at(o.error.at) } }),
  };
}

export function job(o: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-1', kind: 'bootstrap', state: 'running', createdAt: at(0), startedAt: at(0), request: { kind: 'bootstrap', nodes: [], exclude: [] },
    progress: { total: 3, ready: 0, failed: 0, excluded: 0 }, ...o,
  };
}

export type AgentState = { job: JobRecord; nodes: NodeRecord[] } | 'unavailable';

/** Each poll (GET job) takes the next state; the last one stays. */
export class ScriptedJobApi implements JobApi {
  readonly answers: { questionId: string; answer: string }[] = [];
  polls = 0;
  private i = -1;

  constructor(private readonly states: AgentState[], private readonly answerConflict = false) {}

  private current(): AgentState {
    return this.states[Math.max(0, Math.min(this.i, this.states.length - 1))] as AgentState;
  }

  async job(): Promise<JobRecord> {
    this.polls++;
    this.i++;
    const s = this.current();
    if (s === 'unavailable') throw new RackerError(ErrorCodes.agentUnavailable, 'the racker agent is not running');
    return s.job;
  }

  async nodes(): Promise<NodeRecord[]> {
    const s = this.current();
    if (s === 'unavailable') throw new RackerError(ErrorCodes.agentUnavailable, 'the racker agent is not running');
    return s.nodes;
  }

  async answer(_id: string, questionId: string, answer: string): Promise<JobRecord> {
    if (this.answerConflict) throw new RackerError(ErrorCodes.conflict, `question ${questionId} is no longer open`);
    this.answers.push({ questionId, answer });
    const s = this.current();
    return s === 'unavailable' ? job() : s.job;
  }
}

/** Answers with `answer`, or waits until withdrawn when it is undefined; records what it was asked. */
export class FakePrompter implements QuestionPrompter {
  readonly asked: string[] = [];
  withdrawn = 0;

  constructor(private readonly answer: string | undefined) {}

  ask(q: { id: string }, signal: AbortSignal): Promise<string | undefined> {
    this.asked.push(q.id);
    if (this.answer !== undefined) return Promise.resolve(this.answer);
    return new Promise((resolve) => signal.addEventListener('abort', () => { this.withdrawn++; resolve(undefined); }, { once: true }));
  }
}
