import { expect } from 'chai';
import { decide } from '../../../bootstrap/job.js';
import type { BmcFacts } from '../../../agent/inventory/bmc-facts.js';
import { ScriptedAsker } from '../../lib/memory-sink.js';
import type { Phase } from '../../../agent/state/phases.js';
import type { JobState } from '../../../bootstrap/job-state.js';
import type { Behaviour } from '../../lib/scripted-nodes.js';
import { mac, phasesOf, rig, stateOf } from '../../lib/job-rig.js';
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
