/**
 * A bootstrap job resumed after the agent restarted (on fakes: test/lib/job-rig.ts): what it had
 * decided stands, open questions are asked again, nodes go on from the phase they were in, and a
 * node whose download the restart cut is netbooted again.
 */
import { expect } from 'chai';
import type { Phase } from '../../../agent/state/phases.js';
import type { JobState, NodeState } from '../../../bootstrap/job-state.js';
import type { Observation } from '../../../bootstrap/observation.js';
import type { FailureAsker } from '../../../bootstrap/ports.js';
import type { Behaviour } from '../../lib/scripted-nodes.js';
import { ScriptedAsker } from '../../lib/memory-sink.js';
import { DEADLINES, mac, phasesOf, rig, stateOf } from '../../lib/job-rig.js';

describe('bootstrap job resumed after an agent restart', () => {
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

});
