/**
 * The bootstrap job: every node's state machine with bounded parallelism and staggered power-on,
 * the failure policy (ask, retry, exclude, cancel; `retry` really retries, the original excluded,
 * original-racker.md §8.8), and the state persisted after every transition. A new job skips the
 * nodes an earlier job provisioned (unless reprovisioning); a job resumed after an agent restart
 * keeps its decisions and continues interrupted nodes where that is safe (job-state.ts resumePhase).
 *
 * INVARIANTS: saves are serialised in call order, so the last save is the newest state; a node is
 * run by at most one machine at a time; cancel aborts every machine and no node starts afterwards.
 */
import type { BmcFactsKeeper, BootControl, BootStore, Clock, FailureAsker, NodeRef, ProgressObservations, StateSink } from './ports.js';
import type { Phase } from '../agent/state/phases.js';
import type { NodeFailure } from './failure.js';
import { UNFINISHED, newNodeState, resumePhase, undecided, type JobState, type NodeState } from './job-state.js';
import { NodeMachine } from './state-machine.js';
import { ObservationInbox } from './observation-inbox.js';
import { PowerGate } from './power-gate.js';

export const FAILURE_POLICIES = ['ask', 'retry', 'exclude', 'cancel'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

export interface JobNode extends NodeRef {
  /** Kubernetes: the node that initialises the cluster cannot be excluded. */
  essential: boolean;
}

export interface JobOptions {
  /** How many nodes run at once; 0 means all. */
  parallelism: number;
  powerOnIntervalMs: number;
  onFailure: FailurePolicy;
  /** Whole-node retries after the first attempt, for retry and exclude. */
  retries: number;
  deadlines: Readonly<Record<Phase, number>>;
  /** Boot mode requested first. */
  efi: boolean;
  kubernetes: boolean;
  /** Provision nodes again even when an earlier run finished them. */
  reprovision: boolean;
  /** Only these primary MACs (e.g. `--node X --reprovision`); others are left as they are. */
  only: ReadonlySet<string> | undefined;
}

export interface JobDeps {
  control: BootControl;
  observations: ProgressObservations;
  store: BootStore | undefined;
  sink: StateSink;
  clock: Clock;
  asker: FailureAsker | undefined;
  bootBase: string;
  /** Keeps what a BMC check read about the server (the node's record); without it none is read. */
  keepBmcFacts?: BmcFactsKeeper;
}

/** Where this run starts from. */
export interface JobStart {
  /** This very job's last saved state, when the agent resumes it after a restart: its decisions stand. */
  resumed?: JobState;
  /**
   * Nodes an earlier job provisioned, from the agent's node records (state.json), with why they are
   * skipped; `reprovision` overrides it.
   */
  provisioned?: ReadonlyMap<string, string>;
}

type Decision = 'retry' | 'exclude' | 'fail' | 'cancel';

/** What the policy does with a failed node (pure; `ask` is resolved by the caller). */
export function decide(policy: Exclude<FailurePolicy, 'ask'>, attempt: number, retries: number, essential: boolean): Decision {
  if (policy === 'cancel') return 'cancel';
  if (attempt <= retries) return 'retry';
  return policy === 'exclude' && !essential ? 'exclude' : 'fail';
}

export class BootstrapJob {
  readonly state: JobState;
  /** The nodes this run provisions (the rest are finished or not selected). */
  readonly toRun: JobNode[] = [];
  private saving: Promise<void> = Promise.resolve();
  /** Nodes resumed in the phase they were in: their first wait continues rather than restarts. */
  private readonly resumed = new Set<string>();
  /** Nodes resumed with a failure the policy had not decided on: it decides (asks) again before anything runs. */
  private readonly undecided = new Set<string>();
  private readonly abort = new AbortController();

  constructor(id: string, private readonly nodes: readonly JobNode[], private readonly options: JobOptions, private readonly deps: JobDeps, start: JobStart = {}) {
    const now = deps.clock.now();
    this.state = { id, startedAt: now, status: 'running', nodes: {} };
    for (const n of nodes) {
      // Not selected (--node): not part of this job at all, so it is neither run nor counted.
      if (options.only !== undefined && !options.only.has(n.mac)) continue;
      const prev = start.resumed?.nodes[n.mac];
      if (prev !== undefined && undecided(prev)) {
        // Resuming a failure still waiting for its decision (an open question): it is asked again, as it was.
        this.state.nodes[n.mac] = structuredClone(prev);
        this.undecided.add(n.mac);
        this.toRun.push(n);
        continue;
      }
      if (prev !== undefined && !UNFINISHED.includes(prev.status)) {
        // Resuming: what the job decided (done, skipped, failed, excluded) stands.
        this.state.nodes[n.mac] = structuredClone(prev);
        continue;
      }
      let s: NodeState;
      if (prev !== undefined) {
        const phase = resumePhase(prev.phase);
        // Same phase: its deadline keeps running from when the node entered it; escalations already used stay used.
        s = { ...structuredClone(prev), status: 'pending', phase, phaseStartedAt: phase === prev.phase ? prev.phaseStartedAt : now, ...(phase === prev.phase ? {} : { escalations: {} }) };
        s.history.push({ phase: s.phase, at: now, note: `resumed after an agent restart in ${prev.phase}` });
        if (phase === prev.phase) this.resumed.add(n.mac);
      } else {
        const why = options.reprovision ? undefined : start.provisioned?.get(n.mac);
        if (why !== undefined) {
          this.state.nodes[n.mac] = { ...newNodeState(n.mac, n.hostname, options.efi, now), status: 'skipped', skipped: why };
          continue;
        }
        s = newNodeState(n.mac, n.hostname, options.efi, now);
      }
      this.state.nodes[n.mac] = s;
      this.toRun.push(n);
    }
    // Undecided failures first, oldest first: their questions come back in the order they were first asked.
    const failedAt = (n: JobNode): number => (this.undecided.has(n.mac) ? this.nodeState(n).failure?.at ?? 0 : Number.MAX_SAFE_INTEGER);
    this.toRun.sort((a, b) => failedAt(a) - failedAt(b));
  }

  /** Stop every node (the job ends cancelled). */
  cancel(): void {
    this.abort.abort(new Error('bootstrap cancelled'));
  }

  async run(signal?: AbortSignal): Promise<JobState> {
    const onOuterAbort = (): void => this.cancel();
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    const inboxes = new Map(this.toRun.map((n) => [n.mac as string, new ObservationInbox(this.deps.clock)]));
    const unsubscribe = this.deps.observations.subscribe((o) => inboxes.get(o.mac)?.push(o));
    const gate = new PowerGate(this.deps.clock, this.options.powerOnIntervalMs);
    try {
      await this.save();
      const queue = [...this.toRun];
      const width = this.options.parallelism > 0 ? this.options.parallelism : Math.max(1, queue.length);
      const worker = async (): Promise<void> => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          if (this.abort.signal.aborted) {
            this.nodeState(n).status = 'cancelled';
            await this.save();
            continue;
          }
          await this.runNode(n, inboxes.get(n.mac) as ObservationInbox, gate);
        }
      };
      await Promise.all(Array.from({ length: Math.min(width, Math.max(1, queue.length)) }, worker));
    } finally {
      unsubscribe();
      signal?.removeEventListener('abort', onOuterAbort);
    }
    const statuses = Object.values(this.state.nodes).map((s) => s.status);
    this.state.status = this.abort.signal.aborted ? 'cancelled' : statuses.includes('failed') ? 'failed' : 'succeeded';
    this.state.finishedAt = this.deps.clock.now();
    await this.save();
    return this.state;
  }

  private nodeState(n: JobNode): NodeState {
    return this.state.nodes[n.mac] as NodeState;
  }

  private async runNode(n: JobNode, inbox: ObservationInbox, gate: PowerGate): Promise<void> {
    const s = this.nodeState(n);
    const machine = new NodeMachine({ ...n, finalPhase: this.options.kubernetes ? 'joined' : 'ready', resumed: this.resumed.delete(n.mac) }, s, inbox, {
      control: this.deps.control, clock: this.deps.clock, gate, store: this.deps.store,
      deadlines: this.options.deadlines, bootBase: this.deps.bootBase, onTransition: async () => this.save(),
      ...(this.deps.keepBmcFacts === undefined ? {} : { keepBmcFacts: this.deps.keepBmcFacts }),
    });
    // Resumed undecided: the failure it had is decided first, without running the node again.
    let failure = this.undecided.delete(n.mac) ? s.failure : undefined;
    for (;;) {
      if (failure === undefined) {
        const result = await machine.run(this.abort.signal);
        if (result.ok || this.abort.signal.aborted) return;
        failure = result.failure;
      }
      const decision = await this.decide(n, s, failure);
      if (decision === 'retry') {
        s.attempt += 1;
        s.phase = 'bmc-check';
        s.escalations = {};
        s.efi = this.options.efi;
        delete s.failure;
        s.history.push({ phase: 'bmc-check', at: this.deps.clock.now(), note: `retry ${s.attempt - 1} of ${this.options.retries} after: ${failure.message}` });
        failure = undefined;
        continue;
      }
      if (decision === 'exclude') s.status = 'excluded';
      else s.decided = true;
      if (decision === 'cancel') this.cancel();
      await this.save();
      return;
    }
  }

  private async decide(n: JobNode, s: NodeState, failure: NodeFailure): Promise<Decision> {
    // A refusal is the node's verdict on what it has (its disks): a retry would boot it to hear the same.
    const retries = failure.final === true ? 0 : this.options.retries;
    if (this.options.onFailure !== 'ask') return decide(this.options.onFailure, s.attempt, retries, n.essential);
    if (this.deps.asker === undefined) return 'fail';
    const answer = await this.deps.asker.ask(failure);
    if (answer === 'exclude' && n.essential) return 'fail';
    return answer;
  }

  /** Queue a save of the current state; resolves when it (and every earlier one) is written. */
  private save(): Promise<void> {
    const snapshot = structuredClone(this.state);
    // A failed save fails its caller (the node's transition) but not the saves after it.
    const p = this.saving.catch(() => undefined).then(() => this.deps.sink.save(snapshot));
    this.saving = p;
    return p;
  }
}
