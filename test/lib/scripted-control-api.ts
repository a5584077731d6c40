/**
 * A stand-in for the agent's control API that runs one scripted bootstrap job, for testing
 * `racker bootstrap` as a process: a real HTTP server on a real unix socket (FakeAgentApi) serving
 * GET /v1/jobs, /v1/jobs/:id, /v1/nodes and POST /v1/jobs, .../answer, .../cancel in the documented
 * shapes (docs/api.md). The script moves nodes through phases one step per `stepMs`, stops at a
 * question until it is answered (then runs the answer's branch), stops at `hold` until release(),
 * and finishes the job. Progress counts follow the node phases, as the real agent's do.
 */
import type { JobQuestion, JobRecord, NodeRecord } from '../../agent/state/records.js';
import type { NodePhase } from '../../agent/state/phases.js';
import { FakeAgentApi, type RecordedRequest } from './fake-agent-api.js';
import { waitUntil } from '../../agent/lib/backoff.js';
import type { Replies } from '../../agent/api/replies.js';

export type ScriptStep =
  | { node: string; phase: NodePhase; error?: { step: string; message: string; hint?: string } }
  | { ask: { text: string; choices: string[]; node?: string }; branches: Record<string, ScriptStep[]> }
  | { hold: true }
  | { finish: 'succeeded' | 'failed'; message?: string; error?: { code: string; message: string; hint?: string } };

export const MANAGEMENT = { hostname: 'node-01', mac: '00:11:22:33:44:00' };
/** The fake rack's nodes besides the management node (test/lib/fake-rack.ts DEFAULT_ROWS). */
export const WORKERS = [
  { hostname: 'node-02', mac: '00:11:22:33:44:10' },
  { hostname: 'node-03', mac: '00:11:22:33:44:20' },
  { hostname: 'node-04', mac: '00:11:22:33:44:60' },
];

function nodeRecord(n: { hostname: string; mac: string }, row: number, isManagement: boolean, at: string): NodeRecord {
  const phase: NodePhase = isManagement ? 'management' : 'new';
  return {
    mac: n.mac, hostname: n.hostname, row, nodeType: isManagement ? 'mgmt' : 'purple', isManagement, inInventory: true,
    secondaryMac: n.mac.replace(/..$/, 'ff'),
    bmc: { mac: n.mac.replace(/..$/, 'ee'), driver: 'ipmi', reachable: true, failures: 0 },
    power: { state: 'off' },
    phase: { name: phase, since: at, history: [{ name: phase, at }] },
  };
}

export class ScriptedControlApi {
  readonly api: FakeAgentApi;
  readonly answers: string[] = [];
  job: JobRecord | undefined;
  readonly nodes: NodeRecord[];
  private steps: ScriptStep[] = [];
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private questionSeq = 0;

  constructor(socketPath: string, private readonly stepMs = 100) {
    const at = new Date().toISOString();
    this.nodes = [nodeRecord(MANAGEMENT, 1, true, at), ...WORKERS.map((n, i) => nodeRecord(n, i + 2, false, at))];
    this.api = new FakeAgentApi(socketPath, (r) => this.respond(r));
  }

  get requests(): RecordedRequest[] {
    return this.api.requests;
  }

  /** The script the next job (POST /v1/jobs, or startJob) runs. */
  script(steps: ScriptStep[]): this {
    this.steps = [...steps];
    return this;
  }

  start(): Promise<void> {
    return this.api.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.api.stop();
  }

  /** A job already running, as when the CLI attaches to one started earlier. */
  startJob(request: Record<string, unknown> = { kind: 'bootstrap', nodes: [], exclude: [] }): JobRecord {
    const now = new Date().toISOString();
    this.job = { id: 'job-1', kind: 'bootstrap', state: 'running', createdAt: now, startedAt: now, request, progress: { total: WORKERS.length, ready: 0, failed: 0, excluded: 0 }, message: 'checking BMCs' };
    for (const n of this.nodes.filter((x) => !x.isManagement)) this.setPhase(n.hostname, 'queued');
    this.schedule();
    return this.job;
  }

  /** Let a script past its `hold`. */
  release(): void {
    if (!this.held) throw new Error('the script is not holding');
    this.held = false;
    this.schedule();
  }

  get holding(): boolean {
    return this.held;
  }

  /** Resolves once the script has reached a `hold`. */
  async reachHold(timeoutMs = 10_000): Promise<void> {
    if (await waitUntil(() => (this.held ? true : undefined), { intervalMs: 10, timeoutMs }) === undefined) {
      throw new Error(`the script did not reach its hold; job: ${JSON.stringify(this.job)}`);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.step(), this.stepMs);
  }

  private step(): void {
    const job = this.job;
    const s = this.steps.shift();
    if (job === undefined || s === undefined || ['succeeded', 'failed', 'cancelled'].includes(job.state)) return;
    if ('node' in s) {
      this.setPhase(s.node, s.phase, s.error);
    } else if ('ask' in s) {
      const question: JobQuestion = { id: `q${++this.questionSeq}`, text: s.ask.text, choices: s.ask.choices, at: new Date().toISOString(), ...(s.ask.node === undefined ? {} : { node: s.ask.node }) };
      this.job = { ...job, state: 'waiting', question };
      this.pendingBranches = s.branches;
      return; // the answer schedules the next step
    } else if ('hold' in s) {
      this.held = true;
      return;
    } else {
      this.job = { ...job, state: s.finish, finishedAt: new Date().toISOString(), ...(s.message === undefined ? {} : { message: s.message }), ...(s.error === undefined ? {} : { error: s.error }) };
      return;
    }
    this.schedule();
  }

  private pendingBranches: Record<string, ScriptStep[]> = {};

  private setPhase(host: string, phase: NodePhase, error?: { step: string; message: string; hint?: string }): void {
    const n = this.nodes.find((x) => x.hostname === host);
    if (n === undefined || this.job === undefined) throw new Error(`no node ${host} or no job`);
    const at = new Date().toISOString();
    n.phase = { name: phase, since: at, job: this.job.id, history: [...n.phase.history, { name: phase, at }].slice(-20) };
    if (error !== undefined) n.lastError = { ...error, at };
    const count = (p: NodePhase): number => this.nodes.filter((x) => x.phase.job === this.job?.id && x.phase.name === p).length;
    this.job = { ...this.job, progress: { total: WORKERS.length, ready: count('provisioned'), failed: count('failed'), excluded: count('excluded') }, message: `${host}: ${phase}` };
  }

  private respond(r: RecordedRequest): { status: number; body?: unknown } {
    const job = this.job;
    const notFound = { status: 404, body: { code: 'RACKER_E_NOT_FOUND', message: `no job ${r.url.split('/')[3] ?? ''}`, hint: 'GET /v1/jobs lists the jobs' } };
    const conflict = (message: string): { status: number; body: unknown } => ({ status: 409, body: { code: 'RACKER_E_CONFLICT', message } });
    // Typed as the real agent's answer (replies.ts): the CLI checks it, as the fake does not say it is the CLI's own version.
    if (r.method === 'GET' && r.url === '/v1/nodes') return { status: 200, body: { agent: { version: 'test', pid: 1, startedAt: '2030-01-01T00:00:00.000Z', stateGeneration: 0, lastEventSeq: 0 }, nodes: this.nodes } satisfies Replies['nodes'] };
    if (r.method === 'GET' && r.url === '/v1/jobs') return { status: 200, body: { jobs: job === undefined ? [] : [job] } };
    if (r.method === 'POST' && r.url === '/v1/jobs') {
      if (job !== undefined && !['succeeded', 'failed', 'cancelled'].includes(job.state)) return conflict(`job ${job.id} is still running`);
      return { status: 202, body: { job: this.startJob(JSON.parse(r.body) as Record<string, unknown>) } };
    }
    const m = /^\/v1\/jobs\/([^/]+)(\/answer|\/cancel)?$/.exec(r.url);
    if (m === null) return { status: 404, body: { code: 'RACKER_E_NOT_FOUND', message: `no endpoint ${r.method} ${r.url}` } };
    if (job === undefined || decodeURIComponent(m[1] ?? '') !== job.id) return notFound;
    if (r.method === 'GET' && m[2] === undefined) return { status: 200, body: { job } };
    if (r.method === 'POST' && m[2] === '/answer') {
      const body = JSON.parse(r.body) as { questionId: string; answer: string };
      if (job.question === undefined || job.question.id !== body.questionId) return conflict(`job ${job.id} has no open question ${body.questionId}`);
      if (!job.question.choices.includes(body.answer)) return { status: 400, body: { code: 'RACKER_E_BAD_REQUEST', message: `"${body.answer}" is not an answer` } };
      this.answers.push(body.answer);
      this.steps.unshift(...(this.pendingBranches[body.answer] ?? []));
      this.job = { ...job, state: 'running', question: undefined };
      this.schedule();
      return { status: 200, body: { job: this.job } };
    }
    if (r.method === 'POST' && m[2] === '/cancel') {
      if (['succeeded', 'failed', 'cancelled'].includes(job.state)) return conflict(`job ${job.id} has already finished (${job.state})`);
      clearTimeout(this.timer);
      for (const n of this.nodes.filter((x) => x.phase.job === job.id && !['provisioned', 'failed', 'excluded'].includes(x.phase.name))) this.setPhase(n.hostname, 'cancelled');
      this.job = { ...(this.job ?? job), state: 'cancelled', question: undefined, finishedAt: new Date().toISOString(), message: 'cancelled on request' };
      return { status: 202, body: { job: this.job } };
    }
    return { status: 405, body: { code: 'RACKER_E_BAD_REQUEST', message: 'wrong method' } };
  }
}
