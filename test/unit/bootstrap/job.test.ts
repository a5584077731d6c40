import { expect } from 'chai';
import { BootstrapJob, decide, type JobNode, type JobOptions } from '../../../bootstrap/job.js';
import { deadlinesMs } from '../../../bootstrap/phases.js';
import type { Phase } from '../../../agent/state/phases.js';
import type { JobState, NodeState } from '../../../bootstrap/job-state.js';
import type { FailureAsker, NodeRef } from '../../../bootstrap/ports.js';
import type { BmcFacts } from '../../../agent/inventory/bmc-facts.js';
import type { Observation } from '../../../bootstrap/observation.js';
import type { Mac } from '../../../agent/lib/mac.js';
import { parseConfig } from '../../../agent/config/parse.js';
import { FakeClock } from '../../lib/fake-clock.js';
import { FakeBmc } from '../../lib/fake-bmc.js';
import { FakeObservations, ScriptedNodes, type Behaviour } from '../../lib/scripted-nodes.js';
import { MemorySink, ScriptedAsker } from '../../lib/memory-sink.js';

const DEADLINES = deadlinesMs(parseConfig('', undefined, {}).bootstrap.deadlines);
const mac = (i: number): Mac => `02:00:00:00:0${i}:00` as Mac;
const node = (i: number, essential = false): JobNode => ({ mac: mac(i), bmcMac: `02:00:00:00:0${i}:01` as Mac, bmcAddress: `172.24.213.${10 + i}`, hostname: `node-0${i}`, essential });

interface Rig {
  clock: FakeClock;
  bmc: FakeBmc;
  nodes: ScriptedNodes;
  sink: MemorySink;
  job: BootstrapJob;
  result: Promise<JobState>;
  settled: () => boolean;
  finish: (budgetMs?: number) => Promise<JobState>;
}

function rig(count: number, options: Partial<JobOptions> = {}, behaviour: Record<number, Behaviour> = {}, extra: { resumed?: JobState; provisioned?: Map<string, string>; asker?: FailureAsker; essential?: number[]; start?: boolean; kept?: Observation[]; keptFacts?: Array<[string, BmcFacts]> } = {}): Rig {
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

const stateOf = (s: JobState, i: number): NodeState => s.nodes[mac(i)] as NodeState;
const phasesOf = (s: NodeState): string[] => s.history.map((h) => (h.note === undefined ? h.phase : `${h.phase}: ${h.note}`));

describe('bootstrap state machine and job', () => {
  it('takes a node through every phase to ready, with the BMC calls in order', async () => {
    const r = rig(1);
    const s = await r.finish();
    expect(s.status).to.equal('succeeded');
    expect(stateOf(s, 1).status).to.equal('done');
    expect(phasesOf(stateOf(s, 1))).to.deep.equal(['bmc-check', 'boot-override', 'power-cycle', 'dhcp', 'boot-ipxe', 'ipxe', 'kernel', 'install-ignition', 'installing', 'boot-disk', 'reboot', 'ready']);
    expect(r.bmc.callsFor(mac(1))).to.deep.equal([
      'powerStatus', 'setBootDevice pxe persistent efi', 'readBootDevice', 'powerStatus', 'powerOn',
      'setBootDevice disk persistent efi', 'readBootDevice',
    ]);
    // Persisted after every transition.
    expect(r.sink.saves.length).to.be.greaterThan(12);
    expect(r.sink.last?.status).to.equal('succeeded');
  });

  it('power-cycles a node that is already on, and waits for joined with Kubernetes', async () => {
    const r = rig(1, { kubernetes: true }, { 1: { joins: true } });
    r.bmc.power.set(mac(1), 'on');
    const s = await r.finish();
    expect(stateOf(s, 1).status).to.equal('done');
    expect(stateOf(s, 1).phase).to.equal('joined');
    expect(r.bmc.callsFor(mac(1))).to.include('powerCycle');
  });

  const waits: { phase: Phase; behaviour: Behaviour; ladder: string[] }[] = [
    { phase: 'dhcp', behaviour: { stallBefore: 'dhcp-ack' }, ladder: ['reset-override-and-cycle', 'toggle-boot-mode'] },
    { phase: 'boot-ipxe', behaviour: { stallBefore: 'boot.ipxe' }, ladder: ['reset-override-and-cycle', 'toggle-boot-mode'] },
    { phase: 'ipxe', behaviour: { stallBefore: 'ipxe' }, ladder: ['power-off-on'] },
    { phase: 'kernel', behaviour: { stallBefore: 'initrd' }, ladder: ['power-off-on'] },
    { phase: 'install-ignition', behaviour: { stallBefore: 'ignition' }, ladder: ['power-off-on'] },
    { phase: 'installing', behaviour: { stallBefore: 'phone-home' }, ladder: ['power-off-on'] },
    { phase: 'reboot', behaviour: { diskSteps: [] }, ladder: ['power-cycle', 'reset-disk-and-power-off-on'] },
    { phase: 'ready', behaviour: { diskSteps: [{ kind: 'ignition', os: 'installed' }] }, ladder: [] },
  ];
  for (const w of waits) {
    it(`fails in ${w.phase} after its deadline${w.ladder.length > 0 ? ` and escalating (${w.ladder.join(', ')})` : ''}, naming node, phase, last observation and hint`, async () => {
      const r = rig(1, {}, { 1: w.behaviour });
      const s = await r.finish();
      const n = stateOf(s, 1);
      expect(n.status).to.equal('failed');
      expect(n.phase).to.equal(w.phase);
      expect(n.history.filter((h) => h.note?.startsWith('deadline') === true).map((h) => h.note?.replace(/^deadline \d+s missed: /, ''))).to.deep.equal(w.ladder);
      expect(n.failure?.message).to.match(/^nothing observed within \d+s/);
      expect(n.failure?.hostname).to.equal('node-01');
      expect(n.failure?.lastObserved).to.match(w.phase === 'dhcp' ? /^nothing from the node/ : /s ago$/);
      expect(n.failure?.hint).to.have.length.greaterThan(20);
      expect(s.status).to.equal('failed');
    });
  }

  it('fails in joined when kubeadm never reports', async () => {
    const r = rig(1, { kubernetes: true });
    const n = stateOf(await r.finish(), 1);
    expect([n.status, n.phase]).to.deep.equal(['failed', 'joined']);
    expect(n.failure?.hint).to.contain('journalctl -u racker-kubeadm');
  });

  it('recovers when the first escalation works: override set again and power cycled', async () => {
    const r = rig(1, {}, { 1: { stallBefore: 'dhcp-ack', times: 1 } });
    const s = await r.finish();
    expect(stateOf(s, 1).status).to.equal('done');
    expect(r.bmc.callsFor(mac(1)).slice(0, 9)).to.deep.equal(['powerStatus', 'setBootDevice pxe persistent efi', 'readBootDevice', 'powerStatus', 'powerOn',
      'setBootDevice pxe persistent efi', 'readBootDevice', 'powerStatus', 'powerCycle']);
  });

  it('toggles EFI to legacy for a node that only PXE-boots in legacy mode, powering off and on', async () => {
    const r = rig(1, {}, { 1: { onlyEfi: false } });
    const s = await r.finish();
    expect(stateOf(s, 1).status).to.equal('done');
    expect(stateOf(s, 1).efi).to.equal(false);
    const calls = r.bmc.callsFor(mac(1));
    const toggled = calls.indexOf('setBootDevice pxe persistent legacy');
    expect(toggled).to.be.greaterThan(0);
    expect(calls.slice(toggled, toggled + 5)).to.deep.equal(['setBootDevice pxe persistent legacy', 'readBootDevice', 'powerOff', 'powerStatus', 'powerOn']);
    expect(calls).to.include('setBootDevice disk persistent legacy');
  });

  it('fails in bmc-check with the BMC\'s error', async () => {
    const r = rig(1);
    r.bmc.fail('powerStatus', mac(1), 'no route to host 172.24.213.11');
    const n = stateOf(await r.finish(), 1);
    expect([n.status, n.phase, n.failure?.message]).to.deep.equal(['failed', 'bmc-check', 'BMC error while reading the power state: no route to host 172.24.213.11']);
    expect(n.failure?.hint).to.contain('racker ipmi node-01 diag');
  });

  it('the BMC check keeps what the BMC says about the server; a BMC without FRU, or one that never answers, is a note and the node goes on', async () => {
    const kept: Array<[string, BmcFacts]> = [];
    const r = rig(3, {}, {}, { keptFacts: kept });
    const facts: BmcFacts = { at: '2030-01-01T00:00:00.000Z', driver: 'ipmi', model: 'Rack Server 1U', serial: 'PSN-0042' };
    r.bmc.facts.set(mac(1), facts);
    r.bmc.silentFacts.add(mac(3));
    const s = await r.finish();
    expect([1, 2, 3].map((i) => stateOf(s, i).status)).to.deep.equal(['done', 'done', 'done']);
    expect(kept).to.deep.equal([[mac(1), facts]]);
    expect(r.bmc.callsFor(mac(1)).slice(0, 3)).to.deep.equal(['powerStatus', 'serverFacts', 'setBootDevice pxe persistent efi']);
    expect(phasesOf(stateOf(s, 1)).filter((p) => p.includes('facts'))).to.deep.equal([]);
    expect(phasesOf(stateOf(s, 2))).to.include('bmc-check: the server\'s facts were not read from its BMC (the check goes on): BMC error while reading what it says about the server (FRU): FRU device 0 not present');
    expect(phasesOf(stateOf(s, 3))).to.include('bmc-check: the server\'s facts were not read from its BMC (the check goes on): the BMC did not finish reading what it says about the server (FRU) within 20s');
  });

  it('fails in boot-override when the BMC reads back something else than was set', async () => {
    const r = rig(1);
    r.bmc.readbackOverride.set(mac(1), { device: 'pxe', persistent: false, efi: true });
    const n = stateOf(await r.finish(), 1);
    expect([n.phase, n.failure?.message]).to.deep.equal(['boot-override', 'the BMC accepted boot device pxe persistent EFI but reads back pxe once EFI']);
    expect(r.bmc.callsFor(mac(1))).to.not.include('powerOn');
  });

  it('fails at once when the installer reports failure, with its reason', async () => {
    const r = rig(1, {}, { 1: { installFails: 'no install disk' } });
    const n = stateOf(await r.finish(), 1);
    expect([n.phase, n.failure?.message]).to.deep.equal(['installing', 'the node reported failure: no install disk']);
  });

  it('a failure the installer reports carries the command as run and its output\'s last lines, and a hint that says the installer reported', async () => {
    const r = rig(1, {}, { 1: { installFails: 'install step failed (line 17): flatcar-install -d /dev/vda -V 4081.2.0', installOutput: 'Downloading\nChecking\nError: /dev/vda is not a block device\n' } });
    const n = stateOf(await r.finish(), 1);
    expect(n.failure?.message).to.equal('the node reported failure: install step failed (line 17): flatcar-install -d /dev/vda -V 4081.2.0; its output ends: Downloading | Checking | Error: /dev/vda is not a block device');
    expect(n.failure?.hint).to.match(/^the installer reported this failure itself/).and.not.match(/did not report/);
    expect(n.failure?.output).to.contain('/dev/vda is not a block device');
  });

  it('retry really retries the node from the start, and succeeds', async () => {
    const r = rig(1, { onFailure: 'retry', retries: 2 }, { 1: { installFails: 'disk busy', times: 1 } });
    const s = await r.finish();
    const n = stateOf(s, 1);
    expect([s.status, n.status, n.attempt]).to.deep.equal(['succeeded', 'done', 2]);
    expect(n.history.some((h) => h.note === 'retry 1 of 2 after: the node reported failure: disk busy')).to.equal(true);
    expect(r.bmc.callsFor(mac(1)).filter((c) => c === 'setBootDevice pxe persistent efi')).to.have.length(2);
  });

  it('retry gives up after --retries more attempts and the job fails', async () => {
    const r = rig(1, { onFailure: 'retry', retries: 1 }, { 1: { installFails: 'disk busy' } });
    const s = await r.finish();
    expect([s.status, stateOf(s, 1).status, stateOf(s, 1).attempt]).to.deep.equal(['failed', 'failed', 2]);
  });

  it('exclude drops only the failed node; the job succeeds with the others', async () => {
    const r = rig(2, { onFailure: 'exclude', retries: 0 }, { 1: { installFails: 'bad disk' } });
    const s = await r.finish();
    expect([s.status, stateOf(s, 1).status, stateOf(s, 2).status]).to.deep.equal(['succeeded', 'excluded', 'done']);
  });

  it('never excludes the node that initialises the cluster', async () => {
    const r = rig(2, { onFailure: 'exclude', retries: 0 }, { 1: { installFails: 'bad disk' } }, { essential: [1] });
    const s = await r.finish();
    expect([s.status, stateOf(s, 1).status]).to.deep.equal(['failed', 'failed']);
  });

  it('cancel stops every node at the first failure', async () => {
    const r = rig(2, { onFailure: 'cancel' }, { 1: { installFails: 'bad disk' }, 2: { stallBefore: 'phone-home' } });
    const s = await r.finish();
    expect([s.status, stateOf(s, 1).status, stateOf(s, 2).status]).to.deep.equal(['cancelled', 'failed', 'cancelled']);
    const after = r.bmc.calls.length;
    await r.clock.advance(3600_000);
    expect(r.bmc.calls.length, 'no BMC call after the cancel').to.equal(after);
  });

  it('ask puts the failure to the attached CLI and follows the answer', async () => {
    const asker = new ScriptedAsker(['retry', 'exclude']);
    const r = rig(1, { onFailure: 'ask' }, { 1: { installFails: 'bad disk' } }, { asker });
    const s = await r.finish();
    expect(asker.asked.map((f) => [f.hostname, f.phase])).to.deep.equal([['node-01', 'installing'], ['node-01', 'installing']]);
    expect([stateOf(s, 1).status, stateOf(s, 1).attempt]).to.deep.equal(['excluded', 2]);
  });

  it('a node that refuses (its install-disk rule\'s verdict) is not retried: retry and exclude act at once, ask still asks', async () => {
    const reason = 'install disk: /dev/sda (223.6G) holds file systems (sda1:ext4) and racker never installed this node';
    for (const policy of ['retry', 'exclude'] as const) {
      const r = rig(1, { onFailure: policy, retries: 2 }, { 1: { installFails: reason, installRefuses: true } });
      const s = await r.finish();
      expect([stateOf(s, 1).status, stateOf(s, 1).attempt, r.bmc.callsFor(mac(1)).filter((c) => c === 'powerOn').length], policy).to.deep.equal([policy === 'retry' ? 'failed' : 'excluded', 1, 1]);
      expect(stateOf(s, 1).failure?.message).to.equal(`the node refused: ${reason}`);
    }
    // The same report as `failed` is retried as the policy says.
    const failed = await rig(1, { onFailure: 'exclude', retries: 2 }, { 1: { installFails: reason } }).finish();
    expect([stateOf(failed, 1).status, stateOf(failed, 1).attempt]).to.deep.equal(['excluded', 3]);
    const asker = new ScriptedAsker(['exclude']);
    await rig(1, { onFailure: 'ask' }, { 1: { installFails: reason, installRefuses: true } }, { asker }).finish();
    expect(asker.asked.map((f) => [f.hostname, f.phase, f.final])).to.deep.equal([['node-01', 'installing', true]]);
  });

  it('resumes after an agent restart: finished nodes untouched, an installing node keeps waiting', async () => {
    const first = rig(2, {}, { 2: { stallBefore: 'phone-home' } });
    const reached = (): boolean => first.sink.last !== undefined && stateOf(first.sink.last, 1).status === 'done' && stateOf(first.sink.last, 2).phase === 'installing';
    await first.clock.runUntil(reached, 3600_000);
    const snapshot = first.sink.last as JobState;
    expect([stateOf(snapshot, 1).status, stateOf(snapshot, 2).phase]).to.deep.equal(['done', 'installing']);
    first.job.cancel(); // the old agent dies
    await first.clock.advance(1000);

    const second = rig(2, {}, {}, { resumed: snapshot, start: true });
    second.bmc.boot.set(mac(2), { device: 'pxe', persistent: true, efi: true });
    second.bmc.power.set(mac(2), 'on');
    await second.clock.advance(10_000);
    // The installer, still running, reports; the new agent takes it from there without powering anything.
    second.nodes.observations.emit({ mac: mac(2), kind: 'phone-home', status: 'installed', at: second.clock.now() });
    await second.clock.advance(20_000);
    second.bmc.onBoot(mac(2), second.bmc.boot.get(mac(2))); // the installer's own reboot
    const s = await second.finish();
    expect([s.status, stateOf(s, 1).status, stateOf(s, 2).status]).to.deep.equal(['succeeded', 'done', 'done']);
    expect(second.bmc.callsFor(mac(1))).to.deep.equal([]);
    expect(second.bmc.callsFor(mac(2))).to.deep.equal(['setBootDevice disk persistent efi', 'readBootDevice']);
    expect(stateOf(s, 2).history.some((h) => h.note === 'resumed after an agent restart in installing')).to.equal(true);
  });

  it('re-running skips the nodes the records say are provisioned, naming why; --reprovision redoes them; --node limits the job to one', async () => {
    await rig(2).finish();
    const provisioned = new Map<string, string>([[mac(1), 'already provisioned by job j0'], [mac(2), 'already provisioned by job j0']]);
    const again = rig(2, {}, {}, { provisioned });
    const s = await again.finish();
    expect(Object.values(s.nodes).map((n) => [n.status, n.skipped])).to.deep.equal([['skipped', 'already provisioned by job j0'], ['skipped', 'already provisioned by job j0']]);
    expect(again.bmc.calls).to.deep.equal([]);
    const one = rig(2, { reprovision: true, only: new Set([mac(2)]) }, {}, { provisioned });
    const o = await one.finish();
    expect(Object.keys(o.nodes), 'a node --node leaves out is not part of the job').to.deep.equal([mac(2)]);
    expect(one.bmc.callsFor(mac(1))).to.deep.equal([]);
    expect(one.bmc.callsFor(mac(2))).to.include('powerOn');
    const all = rig(2, { reprovision: true }, {}, { provisioned });
    await all.finish();
    expect([all.bmc.callsFor(mac(1)), all.bmc.callsFor(mac(2))].map((c) => c.includes('powerOn'))).to.deep.equal([true, true]);
  });

  it('a resumed job keeps its decisions: an excluded node stays excluded, a failed one failed, a done one done', async () => {
    const r = rig(3, { onFailure: 'exclude' });
    r.bmc.fail('powerStatus', mac(2), 'no route to host');
    const first = await r.finish();
    expect(stateOf(first, 2).status).to.equal('excluded');
    const resumed: JobState = structuredClone(first);
    resumed.status = 'running';
    (resumed.nodes[mac(3)] as NodeState).status = 'failed';
    const second = rig(3, {}, {}, { resumed });
    const s = await second.finish();
    expect([1, 2, 3].map((i) => stateOf(s, i).status)).to.deep.equal(['done', 'excluded', 'failed']);
    expect(second.bmc.calls).to.deep.equal([]);
  });

  it('a failure still waiting for its answer when the agent stopped is asked again on resume, oldest first, and the answer acts', async () => {
    // The old agent: both nodes fail; the first question is never answered (the agent dies).
    const silent: FailureAsker = { ask: async () => new Promise(() => undefined) };
    const first = rig(2, { onFailure: 'ask' }, { 1: { installFails: 'bad disk' } }, { asker: silent });
    first.bmc.fail('powerStatus', mac(2), 'no route to host');
    await first.clock.runUntil(() => [1, 2].every((i) => first.sink.last !== undefined && stateOf(first.sink.last, i).status === 'failed'), 600_000);
    const snapshot = first.sink.last as JobState;
    expect([1, 2].map((i) => stateOf(snapshot, i).decided)).to.deep.equal([undefined, undefined]);

    const asker = new ScriptedAsker(['exclude', 'retry']);
    const second = rig(2, { onFailure: 'ask' }, {}, { resumed: snapshot, asker });
    const s = await second.finish();
    // node-02 failed first, so it was asked first; the same failure, not a new run.
    expect(asker.asked.map((f) => f.hostname)).to.deep.equal(['node-02', 'node-01']);
    expect(asker.asked[0]).to.deep.equal(stateOf(snapshot, 2).failure);
    expect(second.bmc.callsFor(mac(2)), 'excluded without touching it again').to.deep.equal([]);
    expect([stateOf(s, 1).status, stateOf(s, 1).attempt, stateOf(s, 2).status]).to.deep.equal(['done', 2, 'excluded']);
  });

  it('a failure the policy settled stays settled on resume; one it had not, is decided again (retry really retries)', async () => {
    const r = rig(2, { onFailure: 'retry', retries: 1 });
    r.bmc.fail('powerStatus', mac(1), 'no route to host');
    r.bmc.fail('powerStatus', mac(2), 'no route to host');
    const first = await r.finish();
    expect([1, 2].map((i) => [stateOf(first, i).status, stateOf(first, i).attempt, stateOf(first, i).decided])).to.deep.equal([['failed', 2, true], ['failed', 2, true]]);
    const resumed: JobState = structuredClone(first);
    resumed.status = 'running';
    // node-02 as saved the moment it failed its first attempt, before the policy decided.
    Object.assign(resumed.nodes[mac(2)] as NodeState, { attempt: 1, decided: undefined });
    const second = rig(2, { onFailure: 'retry', retries: 1 }, {}, { resumed });
    const s = await second.finish();
    expect(second.bmc.callsFor(mac(1))).to.deep.equal([]);
    expect([stateOf(s, 2).status, stateOf(s, 2).attempt]).to.deep.equal(['done', 2]);
  });

  /** A job stopped (the agent died) with node 1 waiting in `phase`, the node stalled before `stall`. */
  async function stoppedIn(phase: Phase, stall: Behaviour['stallBefore']): Promise<JobState> {
    const first = rig(1, {}, { 1: { stallBefore: stall } });
    await first.clock.runUntil(() => first.sink.last !== undefined && stateOf(first.sink.last, 1).phase === phase, 3600_000);
    const snapshot = structuredClone(first.sink.last as JobState);
    first.job.cancel();
    return snapshot;
  }

  it('a node resumed in a download phase that is heard from within the grace goes on: no power action, and status shows its phase at once', async () => {
    const snapshot = await stoppedIn('ipxe', 'kernel');
    const second = rig(1, {}, {}, { resumed: snapshot });
    await second.clock.advance(20_000);
    expect(second.bmc.calls, 'nothing sent to the BMC within the grace').to.deep.equal([]);
    expect([stateOf(second.sink.last as JobState, 1).status, stateOf(second.sink.last as JobState, 1).phase], 'published as running in ipxe, not queued').to.deep.equal(['running', 'ipxe']);
    // The node, still booting, fetches its kernel and goes on to the end; the agent never power-cycles it.
    second.nodes.observations.emit({ mac: mac(1), kind: 'initrd', at: second.clock.now() });
    second.nodes.resumeFrom(mac(1), 'ignition');
    const s = await second.finish();
    expect(stateOf(s, 1).status).to.equal('done');
    expect(second.bmc.callsFor(mac(1)).filter((c) => /power/.test(c))).to.deep.equal([]);
  });

  it('a node resumed in a download phase and silent for the grace is netbooted again (the restart cut its transfer), without using up an escalation', async () => {
    const snapshot = await stoppedIn('kernel', 'initrd');
    const second = rig(1, {}, {}, { resumed: snapshot });
    await second.clock.advance(29_000);
    expect(second.bmc.calls).to.deep.equal([]);
    await second.clock.advance(2_000);
    expect(second.bmc.callsFor(mac(1)).slice(0, 3)).to.deep.equal(['powerOff', 'powerStatus', 'powerOn']);
    const s = await second.finish();
    expect(stateOf(s, 1).status).to.equal('done');
    expect(stateOf(s, 1).escalations.kernel ?? 0, 'the kernel phase\'s one escalation is left').to.equal(0);
    expect(phasesOf(stateOf(s, 1))).to.include('kernel: resumed in kernel, nothing heard within 30s: the agent\'s restart cut the node\'s download from the boot service; power off and on to netboot again');
  });

  it('kept reports replayed to a resumed job count only when made after the node\'s last power action', async () => {
    const snapshot = await stoppedIn('ipxe', 'kernel');
    const poweredAt = stateOf(snapshot, 1).poweredAt as number;
    expect(poweredAt).to.be.a('number');
    // A failure the node reported on its earlier boot (before a retry's power cycle), kept with the token.
    const stale: Observation = { mac: mac(1), kind: 'phone-home', at: poweredAt - 1, status: 'failed', reason: 'install step failed' };
    const second = rig(1, {}, {}, { resumed: snapshot, kept: [stale] });
    await second.clock.advance(10_000);
    expect(second.settled(), 'the stale failure ended the node').to.equal(false);
    second.nodes.observations.emit({ mac: mac(1), kind: 'initrd', at: second.clock.now() });
    second.nodes.resumeFrom(mac(1), 'ignition');
    expect(stateOf(await second.finish(), 1).status).to.equal('done');
    // One made after it (the kill came right after the agent kept it) is acted on at once.
    const fresh: Observation = { mac: mac(1), kind: 'phone-home', at: poweredAt + 1, status: 'installed' };
    const third = rig(1, {}, {}, { resumed: snapshot, kept: [fresh] });
    await third.clock.runUntil(() => third.sink.last !== undefined && stateOf(third.sink.last, 1).phase === 'reboot', 60_000);
    expect(third.bmc.callsFor(mac(1))).to.not.include('powerCycle');
  });

  it('a node resumed in a phase it retries on its own (the installer) that stays silent is escalated only once the phase deadline has passed', async () => {
    const snapshot = await stoppedIn('installing', 'phone-home');
    const second = rig(1, {}, { 1: { stallBefore: 'phone-home' } }, { resumed: snapshot });
    // What the phase had left when the agent stopped (the second rig's clock starts anew: at most the deadline).
    const left = Math.min(DEADLINES.installing, stateOf(snapshot, 1).phaseStartedAt + DEADLINES.installing - second.clock.now());
    await second.clock.advance(left - 1000);
    expect(second.bmc.calls).to.deep.equal([]);
    await second.clock.advance(2000);
    expect(second.bmc.callsFor(mac(1))).to.include('powerOff');
  });

  it('runs at most --parallelism nodes at once', async () => {
    const r = rig(3, { parallelism: 1 });
    await r.finish();
    const maxRunning = Math.max(...r.sink.saves.map((s) => Object.values(s.nodes).filter((n) => n.status === 'running').length));
    expect(maxRunning).to.equal(1);
    expect(Object.values((r.sink.last as JobState).nodes).every((n) => n.status === 'done')).to.equal(true);
  });

  it('staggers power-on by --power-on-interval across nodes', async () => {
    const r = rig(3, { powerOnIntervalMs: 30_000 });
    await r.finish();
    const ons = r.bmc.calls.filter((c) => c.op === 'powerOn').map((c) => c.at).sort((a, b) => a - b);
    expect(ons).to.have.length(3);
    expect(ons[1]! - ons[0]!).to.be.at.least(30_000);
    expect(ons[2]! - ons[1]!).to.be.at.least(30_000);
  });

  it('decides retry, exclude, fail and cancel from the policy', () => {
    expect(decide('retry', 1, 2, false)).to.equal('retry');
    expect(decide('retry', 3, 2, false)).to.equal('fail');
    expect(decide('exclude', 1, 0, false)).to.equal('exclude');
    expect(decide('exclude', 1, 0, true)).to.equal('fail');
    expect(decide('cancel', 1, 5, false)).to.equal('cancel');
  });
});
