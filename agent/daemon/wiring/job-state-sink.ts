/**
 * Where a bootstrap job's per-node state goes after every transition: the job's own file
 * (`<stateDir>/jobs/<id>.json`, read back when the agent resumes the job) and the agent's node
 * records, which `racker status` and the API show. Writes are serialised; each is atomic.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stateFiles } from '../../config/paths.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { SerialWrites } from '../../lib/serial-writes.js';
import { ErrorCodes, abortCode, isENOENT } from '../../lib/errors.js';
import type { StateStore } from '../../state/state-store.js';
import type { NodePhase } from '../../state/phases.js';
import type { StateSink } from '../../../bootstrap/ports.js';
import { jobStateSchema, type JobState, type NodeState } from '../../../bootstrap/job-state.js';
import { parseJsonDocument } from '../../lib/json-document.js';
import type { JobContext } from '../jobs.js';

export function jobStatePath(stateDir: string, id: string): string {
  return join(stateFiles(stateDir).jobsDir, `${id}.json`);
}

export async function loadJobState(stateDir: string, id: string): Promise<JobState | undefined> {
  try {
    const file = jobStatePath(stateDir, id);
    return parseJsonDocument(await readFile(file, 'utf8'), jobStateSchema, {
      file, code: ErrorCodes.state, hint: `this job cannot resume from it: run racker bootstrap again (a new job skips the nodes already provisioned); keep ${file} for a bug report`,
    });
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw e;
  }
}

/** The phase a node record shows for a job node's state. */
export function recordPhase(n: NodeState): NodePhase | undefined {
  switch (n.status) {
    case 'pending': return 'queued';
    case 'running': return n.phase;
    case 'done': return 'provisioned';
    case 'failed': return 'failed';
    case 'excluded': return 'excluded';
    case 'cancelled': return 'cancelled';
    case 'skipped': return undefined; // finished earlier: the record keeps what it has
  }
}

/** The job's counts as the progress bar shows them: every node in exactly one (or none while it runs). */
export function jobCounts(state: JobState): { ready: number; failed: number; excluded: number; skipped: number } {
  const nodes = Object.values(state.nodes);
  const count = (status: NodeState['status']): number => nodes.filter((n) => n.status === status).length;
  return { ready: count('done'), failed: count('failed'), excluded: count('excluded'), skipped: count('skipped') };
}

/** "1 ready, 0 failed, 0 excluded, 2 skipped (node-02, node-03: already provisioned …)": what the table shows. */
export function jobSummary(state: JobState): string {
  const c = jobCounts(state);
  const skipped = Object.values(state.nodes).filter((n) => n.status === 'skipped');
  const why = skipped.length === 0 ? '' : ` (${skipped.map((n) => n.hostname).join(', ')}: already provisioned; --reprovision reinstalls)`;
  return `${c.ready} ready, ${c.failed} failed, ${c.excluded} excluded${c.skipped > 0 ? `, ${c.skipped} skipped${why}` : ''}`;
}

export class JobStateSink implements StateSink {
  private readonly writes = new SerialWrites();
  private readonly failuresSeen = new Set<string>();

  constructor(private readonly stateDir: string, private readonly store: StateStore, private readonly ctx: Pick<JobContext, 'progress' | 'signal'>) {}

  async save(state: JobState): Promise<void> {
    // The agent is stopping: the job winds down as "cancelled", but it resumes at the next start
    // from the last state saved while it ran, so that is what stays on disk.
    if (abortCode(this.ctx.signal) === 'agent-stopping') return;
    for (const n of Object.values(state.nodes)) {
      if (n.status === 'skipped' && !this.failuresSeen.has(`${n.mac}/skipped`) && this.store.node(n.mac) !== undefined) {
        this.failuresSeen.add(`${n.mac}/skipped`);
        this.store.event({ type: 'node.skipped', level: 'info', node: n.mac, message: `${n.hostname}: skipped by job ${state.id}: ${n.skipped ?? 'not selected'}` });
      }
      const phase = recordPhase(n);
      if (phase !== undefined && this.store.node(n.mac) !== undefined) {
        this.store.setPhase(n.mac, phase, { job: state.id, message: `${n.hostname}: ${phase}${n.lastObserved === undefined ? '' : ` (last seen: ${n.lastObserved.kind})`}` });
        if (n.failure !== undefined && !this.failuresSeen.has(`${n.mac}/${n.attempt}`)) {
          this.failuresSeen.add(`${n.mac}/${n.attempt}`);
          this.store.setError(n.mac, { step: n.failure.phase, message: `${n.failure.message}; last observed: ${n.failure.lastObserved}`, hint: n.failure.hint });
        } else if (n.status === 'done') {
          this.store.clearError(n.mac);
        }
      }
    }
    this.ctx.progress(jobCounts(state));
    const text = `${JSON.stringify(state, null, 2)}\n`;
    await Promise.all([this.writes.run(() => writeFileAtomic(jobStatePath(this.stateDir, state.id), text, { mode: 0o600, mkdirs: true })), this.store.persisted()]);
  }
}
