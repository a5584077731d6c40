/**
 * The control API's routes (documented in docs/api.md). Handlers validate what they receive and
 * call the backend; the backend is the agent, or a fake in unit tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, RackerError } from '../lib/errors.js';
import type { HealthReport } from '../lib/service.js';
import type { JobRecord, NodeRecord } from '../state/records.js';
import type { AgentEvent, EventQuery } from '../state/event-log.js';
import type { DiscoveredMac } from '../state/discovered-macs.js';
import type { BootstrapRequest } from './requests.js';
import type { AgentInfo, ReloadResult, Replies } from './replies.js';
import { answerRequestSchema, bootstrapRequestSchema, parseRequest } from './requests.js';
import { badRequest, boolParam, intParam, readJsonBody, sendJson } from './http-util.js';

export type { AgentInfo, ReloadResult } from './replies.js';

/** Everything the API needs from the agent. */
export interface ControlBackend {
  info(): AgentInfo;
  health(): Promise<HealthReport>;
  nodes(): NodeRecord[];
  /** By primary MAC (any spelling) or host name. */
  findNode(id: string): NodeRecord | undefined;
  readEvents(q: EventQuery): Promise<AgentEvent[]>;
  /** What the discovery pool has seen, kept in memory (agent/state/discovered-macs.ts). */
  discoveredMacs(): DiscoveredMac[];
  subscribeEvents(listener: (e: AgentEvent) => void): () => void;
  jobs: {
    list(): JobRecord[];
    get(id: string): JobRecord;
    create(request: BootstrapRequest, total: number): Promise<JobRecord>;
    answer(id: string, questionId: string, answer: string): Promise<JobRecord>;
    cancel(id: string): Promise<JobRecord>;
  };
  /** How many nodes a bootstrap request covers; throws naming any reference that is not a node. */
  countRequestNodes(request: BootstrapRequest): number;
  reload(): Promise<ReloadResult>;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  backend: ControlBackend;
  /** Register cleanup for a long-lived response (event streams), run at close or server stop. */
  onClose: (cleanup: () => void) => void;
}

interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  handle(ctx: RouteContext): Promise<void>;
}

const ID = '([A-Za-z0-9][A-Za-z0-9:._-]{0,63})';

export const ROUTES: readonly Route[] = [
  {
    method: 'GET', path: /^\/v1\/health$/,
    async handle({ res, backend }) {
      const report = await backend.health();
      sendJson(res, report.healthy ? 200 : 503, { status: report.healthy ? 'ok' : 'degraded', checks: report.checks, agent: backend.info() });
    },
  },
  {
    method: 'GET', path: /^\/v1\/nodes$/,
    async handle({ res, backend }) {
      sendJson(res, 200, { agent: backend.info(), nodes: backend.nodes() } satisfies Replies['nodes']);
    },
  },
  {
    method: 'GET', path: new RegExp(`^/v1/nodes/${ID}$`),
    async handle({ res, backend, params }) {
      const id = decodeURIComponent(params[0] ?? '');
      const node = backend.findNode(id);
      if (node === undefined) throw new RackerError(ErrorCodes.notFound, `no node "${id}"`, { hint: 'use a primary MAC or a host name from GET /v1/nodes' });
      sendJson(res, 200, { node } satisfies Replies['node']);
    },
  },
  { method: 'GET', path: /^\/v1\/events$/, handle: streamEvents },
  {
    // MACs the DHCP discovery pool has seen (dhcp.discovery: true), latest sighting per MAC; the
    // factory editor offers them for new rows. From memory: the factory polls this.
    method: 'GET', path: /^\/v1\/discovery$/,
    async handle({ res, backend }) {
      const known = new Set(backend.nodes().flatMap((n) => [n.mac, n.bmc.mac, n.secondaryMac]));
      sendJson(res, 200, { macs: backend.discoveredMacs().filter((m) => !known.has(m.mac)) } satisfies Replies['discovery']);
    },
  },
  {
    method: 'GET', path: /^\/v1\/jobs$/,
    async handle({ res, backend }) {
      sendJson(res, 200, { jobs: backend.jobs.list() } satisfies Replies['jobs']);
    },
  },
  {
    method: 'POST', path: /^\/v1\/jobs$/,
    async handle({ req, res, backend }) {
      const request = parseRequest(bootstrapRequestSchema, await readJsonBody(req), 'job');
      const total = backend.countRequestNodes(request);
      sendJson(res, 202, { job: await backend.jobs.create(request, total) } satisfies Replies['job']);
    },
  },
  {
    method: 'GET', path: new RegExp(`^/v1/jobs/${ID}$`),
    async handle({ res, backend, params }) {
      sendJson(res, 200, { job: backend.jobs.get(params[0] ?? '') } satisfies Replies['job']);
    },
  },
  {
    method: 'POST', path: new RegExp(`^/v1/jobs/${ID}/answer$`),
    async handle({ req, res, backend, params }) {
      const body = parseRequest(answerRequestSchema, await readJsonBody(req), 'answer');
      sendJson(res, 200, { job: await backend.jobs.answer(params[0] ?? '', body.questionId, body.answer) } satisfies Replies['job']);
    },
  },
  {
    method: 'POST', path: new RegExp(`^/v1/jobs/${ID}/cancel$`),
    async handle({ req, res, backend, params }) {
      await readJsonBody(req);
      sendJson(res, 202, { job: await backend.jobs.cancel(params[0] ?? '') } satisfies Replies['job']);
    },
  },
  {
    method: 'POST', path: /^\/v1\/reload$/,
    async handle({ req, res, backend }) {
      await readJsonBody(req);
      sendJson(res, 200, await backend.reload() satisfies Replies['reload']);
    },
  },
];

/**
 * GET /v1/events?since=N[&node=MAC][&job=ID][&after=ISO-TIME][&limit=N][&follow=false]: NDJSON, one event a line,
 * oldest first; with follow (the default) the response stays open and new events follow.
 * Subscribing before reading the backlog, and skipping what the backlog already had, means no
 * event is lost or repeated between the two.
 */
async function streamEvents({ res, backend, query, onClose }: RouteContext): Promise<void> {
  const q: EventQuery = { since: intParam(query, 'since') ?? 0, limit: intParam(query, 'limit') };
  const node = query.get('node');
  const job = query.get('job');
  if (node !== null && node !== '') {
    const found = backend.findNode(node);
    if (found === undefined) throw badRequest(`no node "${node}"`, 'use a primary MAC or a host name');
    q.node = found.mac;
  }
  if (job !== null && job !== '') q.job = job;
  const after = query.get('after');
  if (after !== null && after !== '') {
    const t = Date.parse(after);
    if (Number.isNaN(t)) throw badRequest(`query parameter after must be an ISO 8601 time, not "${after.slice(0, 40)}"`);
    q.after = new Date(t).toISOString();
  }
  const follow = boolParam(query, 'follow', true);
  const buffered: AgentEvent[] = [];
  let live = false;
  let last = q.since ?? 0;
  const matches = (e: AgentEvent): boolean => (q.node === undefined || e.node === q.node) && (q.job === undefined || e.job === q.job);
  const write = (e: AgentEvent): void => {
    if (e.seq <= last || !matches(e)) return;
    last = e.seq;
    res.write(`${JSON.stringify(e satisfies Replies['event'])}\n`);
  };
  const unsubscribe = follow ? backend.subscribeEvents((e) => (live ? write(e) : buffered.push(e))) : () => undefined;
  onClose(unsubscribe);
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  try {
    for (const e of await backend.readEvents(q)) write(e);
  } catch (err) {
    unsubscribe();
    throw err;
  }
  if (!follow) {
    res.end();
    return;
  }
  for (const e of buffered) write(e);
  live = true;
  res.flushHeaders();
}
