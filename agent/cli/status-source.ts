/**
 * Where `racker status` gets what it shows: the running agent, or, when it is not running, the
 * state it last persisted. Shared by the one-shot view (status.ts) and --watch (status-watch.ts).
 */
import { ErrorCodes, RackerError, isSystemError } from '../lib/errors.js';
import { AgentNotRunningError, type AgentClient } from '../api/client.js';
import type { AgentEvent } from '../state/event-log.js';
import type { JobRecord, NodeRecord } from '../state/records.js';
import { FINISHED_JOB_STATES } from '../state/job-states.js';
import type { Writable } from 'node:stream';
import { readingLogger } from '../cli-kit/reading-logger.js';
import { renderStatus, type StatusView } from './status-render.js';
import { terminalSafe } from '../cli-kit/terminal-text.js';

const EVENTS_PER_NODE = 5;

export interface StatusSource {
  client: AgentClient;
  stateDir: string;
  /** Where a warning about the saved files goes (a damaged event line that was skipped). */
  stderr: Writable;
}

export function formatView(view: StatusView, o: { full: boolean; json: boolean }): string {
  return o.json ? JSON.stringify({ agentRunning: view.source === 'agent', ...view }) : renderStatus(terminalSafe(view), { full: o.full, now: new Date() });
}

/** Ask the agent; when it is not running, read what it last persisted. */
export async function collectStatus(s: StatusSource, full: boolean): Promise<StatusView> {
  try {
    const [{ agent, nodes }, { jobs }] = await Promise.all([s.client.get('/v1/nodes', 'nodes'), s.client.get('/v1/jobs', 'jobs')]);
    const view: StatusView = { source: 'agent', agent: { version: agent.version, pid: agent.pid, startedAt: agent.startedAt }, nodes, ...activeJob(jobs) };
    if (full) view.events = await eventsByNode(nodes, async (mac) => {
      const out: AgentEvent[] = [];
      await s.client.streamEvents(`follow=false&limit=${EVENTS_PER_NODE}&node=${encodeURIComponent(mac)}`, (e) => out.push(e));
      return out;
    });
    return view;
  } catch (e) {
    if (!(e instanceof RackerError) || e.code !== ErrorCodes.agentUnavailable) throw e;
    // Refused by the socket's permissions: the agent runs, and its state file is root's too.
    if (isSystemError(e.cause, 'EACCES')) throw e;
    return persistedStatus(s, e instanceof AgentNotRunningError ? e.reason : e.message, full);
  }
}

async function persistedStatus({ stateDir, stderr }: StatusSource, reason: string, full: boolean): Promise<StatusView> {
  // Loaded only here: the live path stays fast (status latency is benchmarked, bench/agent).
  const [{ readStateFile, stateFilePath }, { EventLog }] = await Promise.all([import('../state/state-file.js'), import('../state/event-log.js')]);
  const doc = await readStateFile(stateDir);
  if (doc === undefined) {
    throw new RackerError(ErrorCodes.agentUnavailable, `the racker agent is not running (${reason}) and has never saved a state in ${stateDir}`, { hint: 'start it with `systemctl start racker-agent`; `racker factory check` checks the rack metadata' });
  }
  const nodes = Object.values(doc.nodes).sort((a, b) => Number(b.inInventory) - Number(a.inInventory) || a.row - b.row);
  const view: StatusView = { source: 'persisted', offlineReason: reason, stateFile: stateFilePath(stateDir), savedAt: doc.savedAt, nodes, ...activeJob(Object.values(doc.jobs)) };
  if (full) {
    const log = new EventLog({ dir: stateDir, maxBytes: Number.MAX_SAFE_INTEGER, keep: 20, log: readingLogger(stderr) });
    view.events = await eventsByNode(nodes, (mac) => log.read({ node: mac, limit: EVENTS_PER_NODE }));
  }
  return view;
}

/** The job not finished yet (at most one is), with its open question: the operator may be the one it waits for. */
function activeJob(jobs: readonly JobRecord[]): { job?: JobRecord } {
  const job = jobs.find((j) => !FINISHED_JOB_STATES.includes(j.state));
  return job === undefined ? {} : { job };
}

async function eventsByNode(nodes: readonly NodeRecord[], read: (mac: string) => Promise<AgentEvent[]>): Promise<Record<string, AgentEvent[]>> {
  const out: Record<string, AgentEvent[]> = {};
  for (const n of nodes) out[n.mac] = await read(n.mac);
  return out;
}
