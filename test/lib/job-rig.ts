/**
 * A bootstrap job on fakes, for the job's unit tests (job.test.ts, job-resume.test.ts): a fake
 * clock, scripted BMCs and nodes, an in-memory sink, and the default deadlines; nodes are named
 * node-01, node-02, ... with MACs from their number.
 */
import { expect } from 'chai';
import { BootstrapJob, type JobNode, type JobOptions } from '../../bootstrap/job.js';
import { deadlinesMs } from '../../bootstrap/phases.js';
import type { JobState, NodeState } from '../../bootstrap/job-state.js';
import type { FailureAsker, NodeRef } from '../../bootstrap/ports.js';
import type { BmcFacts } from '../../agent/inventory/bmc-facts.js';
import type { Observation } from '../../bootstrap/observation.js';
import type { Mac } from '../../agent/lib/mac.js';
import { parseConfig } from '../../agent/config/parse.js';
import { FakeClock } from './fake-clock.js';
import { FakeBmc } from './fake-bmc.js';
import { FakeObservations, ScriptedNodes, type Behaviour } from './scripted-nodes.js';
import { MemorySink } from './memory-sink.js';

export const DEADLINES = deadlinesMs(parseConfig('', undefined, {}).bootstrap.deadlines);
export const mac = (i: number): Mac => `02:00:00:00:0${i}:00` as Mac;
export const node = (i: number, essential = false): JobNode => ({ mac: mac(i), bmcMac: `02:00:00:00:0${i}:01` as Mac, bmcAddress: `172.24.213.${10 + i}`, hostname: `node-0${i}`, essential });

export interface Rig {
  clock: FakeClock;
  bmc: FakeBmc;
  nodes: ScriptedNodes;
  sink: MemorySink;
  job: BootstrapJob;
  result: Promise<JobState>;
  settled: () => boolean;
  finish: (budgetMs?: number) => Promise<JobState>;
}

export function rig(count: number, options: Partial<JobOptions> = {}, behaviour: Record<number, Behaviour> = {}, extra: { resumed?: JobState; provisioned?: Map<string, string>; asker?: FailureAsker; essential?: number[]; start?: boolean; kept?: Observation[]; keptFacts?: Array<[string, BmcFacts]> } = {}): Rig {
  const clock = new FakeClock();
  const bmc = new FakeBmc(() => clock.now());
  const observations = new FakeObservations();
  observations.kept = extra.kept ?? [];
  const nodes = new ScriptedNodes(clock, bmc, observations);
  for (const [i, b] of Object.entries(behaviour)) nodes.behaviour.set(mac(Number(i)), b);
  const sink = new MemorySink();
  const opts: JobOptions = { parallelism: 0, powerOnIntervalMs: 0, onFailure: 'retry', retries: 0, deadlines: DEADLINES, efi: true, kubernetes: false, reprovision: false, only: undefined, ...options };
  const list = Array.from({ length: count }, (_, i) => node(i + 1, extra.essential?.includes(i + 1) ?? false));
  const job = new BootstrapJob('job-1', list, opts, { control: bmc, observations, store: undefined, sink, clock, asker: extra.asker, bootBase: 'http://172.24.213.1:8080',
    ...(extra.keptFacts === undefined ? {} : { keepBmcFacts: async (n: NodeRef, f: BmcFacts) => { extra.keptFacts?.push([n.mac, f]); } }) }, { resumed: extra.resumed, provisioned: extra.provisioned });
  let done = false;
  const result = job.run().then((s) => { done = true; return s; });
  return {
    clock, bmc, nodes, sink, job, result, settled: () => done,
    finish: async (budgetMs = 3 * 3600_000) => {
      await clock.runUntil(() => done, budgetMs, 5000);
      expect(done, 'the job finished within the time budget').to.equal(true);
      return result;
    },
  };
}

export const stateOf = (s: JobState, i: number): NodeState => s.nodes[mac(i)] as NodeState;
export const phasesOf = (s: NodeState): string[] => s.history.map((h) => (h.note === undefined ? h.phase : `${h.phase}: ${h.note}`));
