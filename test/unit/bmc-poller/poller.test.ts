import { expect } from 'chai';
import { BmcPoller, type PollRecorder, type PollTarget } from '../../../agent/bmc-poller/poller.js';
import { FakePowerReader } from '../../lib/fake-power-reader.js';
import { silentLogger } from '../../../agent/lib/log.js';
import type { SensorReading } from '../../../agent/bmc/bmc-client.js';
import type { BmcFacts } from '../../../agent/inventory/bmc-facts.js';

const target = (i: number): PollTarget => ({ mac: `m${i}`, hostname: `node-0${i}`, bmcMac: `b${i}`, bmcAddress: `10.0.0.${i}` });

class Recorder implements PollRecorder {
  readonly power = new Map<string, string>();
  readonly polls: { mac: string; ok: boolean; error?: string; hint?: string }[] = [];
  setPower(mac: string, state: string): void { this.power.set(mac, state); }
  recordBmcPoll(mac: string, o: { ok: true } | { ok: false; error: string; hint?: string }): void {
    this.polls.push(o.ok ? { mac, ok: true } : { mac, ok: false, error: o.error, hint: o.hint });
  }
  readonly facts: Array<[string, BmcFacts]> = [];
  recordBmcFacts(mac: string, f: BmcFacts): void { this.facts.push([mac, f]); }
}

function setup(targets: PollTarget[], extra: { concurrency?: number; sensorsIntervalMs?: number; readServerFacts?: boolean } = {}) {
  let now = 1_000_000;
  const reader = new FakePowerReader();
  const recorder = new Recorder();
  const latencies: boolean[] = [];
  const commands: string[] = [];
  const sensors = new Map<string, readonly SensorReading[]>();
  const metrics = {
    observeBmcCommand: (c: string, _s: number, ok: boolean) => { commands.push(`${c}:${ok ? 'ok' : 'error'}`); if (c === 'power-status') latencies.push(ok); },
    recordSensors: (node: { mac: string }, readings: readonly SensorReading[]) => { sensors.set(node.mac, readings); },
  };
  const poller = new BmcPoller(reader, recorder, metrics, targets, {
    intervalMs: 10_000, jitter: 0.2, unreachableAfter: 3, maxBackoffMs: 80_000, sensorsIntervalMs: extra.sensorsIntervalMs ?? 0, concurrency: extra.concurrency ?? 8, pollTimeoutMs: 1000, readServerFacts: extra.readServerFacts ?? false,
    now: () => now, random: () => 0.5,
  }, silentLogger());
  return { reader, recorder, poller, latencies, commands, sensors, advance: (ms: number) => { now += ms; } };
}

const TEMP: SensorReading = { name: 'CPU Temp', type: 'temperature', value: 41, unit: '°C', status: 'ok' };

describe('bmc-poller', () => {
  it('reads a BMC\'s sensors after a good power poll, at most once per sensorsIntervalMs, and never from a BMC that did not answer', async () => {
    const t = setup([target(1), target(2)], { sensorsIntervalMs: 60_000 });
    t.reader.power.set('10.0.0.1', 'on');
    t.reader.sensorReadings.set('10.0.0.1', [TEMP]);
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    await t.poller.pollDue();
    expect(t.reader.sensorCalls).to.deep.equal(['10.0.0.1']); // 10.0.0.2 timed out: no SDR read of a sick BMC
    expect(t.sensors.get('m1')).to.deep.equal([TEMP]);
    t.advance(10_001);
    await t.poller.pollDue();
    t.reader.expectPolled('10.0.0.1', 2);
    expect(t.reader.sensorCalls).to.deep.equal(['10.0.0.1']); // power again, sensors not yet due
    t.advance(50_000);
    await t.poller.pollDue();
    await t.poller.stop();
    expect(t.reader.sensorCalls).to.deep.equal(['10.0.0.1', '10.0.0.1']);
  });

  it('logs a failed sensor read without counting it against the BMC\'s reachability', async () => {
    const t = setup([target(1)], { sensorsIntervalMs: 60_000 });
    t.reader.power.set('10.0.0.1', 'on'); // no sensor readings: the read fails
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    await t.poller.pollDue();
    await t.poller.stop();
    expect(t.recorder.polls).to.deep.equal([{ mac: 'm1', ok: true }]);
    expect(t.commands).to.deep.equal(['power-status:ok', 'sensors:error']);
    expect(t.sensors.size).to.equal(0);
  });

  it('reads what each BMC says about its server once, after its first answer; a BMC without FRU is not asked again nor counted against', async () => {
    const t = setup([target(1), target(2), target(3)], { readServerFacts: true });
    const facts: BmcFacts = { at: 'T', driver: 'ipmi', serial: 'PSN-0042' };
    t.reader.power.set('10.0.0.1', 'on');
    t.reader.power.set('10.0.0.2', 'off');
    t.reader.facts.set('10.0.0.1', facts);
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    await t.poller.pollDue();
    expect(t.reader.factCalls).to.deep.equal(['10.0.0.1', '10.0.0.2']); // 10.0.0.3 did not answer: not asked
    expect(t.recorder.facts).to.deep.equal([['m1', facts]]);
    t.reader.power.set('10.0.0.3', 'on');
    t.advance(20_000);
    await t.poller.pollDue();
    await t.poller.stop();
    expect(t.reader.factCalls).to.deep.equal(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(t.recorder.polls.filter((p) => !p.ok).map((p) => p.mac)).to.deep.equal(['m3']);
  });

  it('reads no server facts when readServerFacts is off', async () => {
    const t = setup([target(1)]);
    t.reader.power.set('10.0.0.1', 'on');
    t.reader.facts.set('10.0.0.1', { at: 'T', driver: 'ipmi' });
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    await t.poller.pollDue();
    await t.poller.stop();
    expect(t.reader.factCalls).to.deep.equal([]);
  });

  it('reads no sensors when sensorsIntervalMs is 0', async () => {
    const t = setup([target(1)]);
    t.reader.power.set('10.0.0.1', 'on');
    t.reader.sensorReadings.set('10.0.0.1', [TEMP]);
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    await t.poller.pollDue();
    await t.poller.stop();
    expect(t.reader.sensorCalls).to.deep.equal([]);
  });

  it('polls every node once it is due and records power and reachability', async () => {
    const t = setup([target(1), target(2)]);
    t.reader.power.set('10.0.0.1', 'on');
    t.reader.power.set('10.0.0.2', 'off');
    await t.poller.start(new AbortController().signal);
    await t.poller.pollDue();
    expect(t.reader.calls).to.deep.equal([]); // first polls are spread over the first seconds
    t.advance(5_000);
    await t.poller.pollDue();
    await t.poller.stop();
    expect(Object.fromEntries(t.recorder.power)).to.deep.equal({ m1: 'on', m2: 'off' });
    expect(t.recorder.polls).to.deep.equal([{ mac: 'm1', ok: true }, { mac: 'm2', ok: true }]);
    expect(t.latencies).to.deep.equal([true, true]);
  });

  it('waits the interval (with jitter) before polling a node again', async () => {
    const t = setup([target(1)]);
    t.reader.power.set('10.0.0.1', 'on');
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    await t.poller.pollDue();
    t.advance(9_000);
    await t.poller.pollDue();
    t.reader.expectPolled('10.0.0.1', 1);
    t.advance(1_001);
    await t.poller.pollDue();
    await t.poller.stop();
    t.reader.expectPolled('10.0.0.1', 2);
    expect(t.poller.nextDelay(0)).to.equal(10_000); // random 0.5 = no spread
  });

  it('reports failures with a hint naming the BMC, and backs off a failing BMC', async () => {
    const t = setup([target(3)]);
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    await t.poller.pollDue();
    expect(t.recorder.polls[0]).to.deep.include({ mac: 'm3', ok: false, error: 'BMC 10.0.0.3 did not answer within 5000 ms' });
    expect(t.recorder.polls[0]?.hint).to.match(/10\.0\.0\.3.*racker ipmi node-03 diag/);
    expect(t.latencies).to.deep.equal([false]);
    // After 3 failures the next poll waits 2^2 intervals (with jitter 0.5 × 0.2), not one.
    for (let i = 0; i < 2; i++) { t.advance(80_000); await t.poller.pollDue(); }
    expect(t.recorder.polls).to.have.length(3);
    t.advance(20_000);
    await t.poller.pollDue();
    expect(t.recorder.polls).to.have.length(3);
    expect(t.poller.nextDelay(3)).to.be.greaterThan(30_000);
    expect(t.poller.nextDelay(30)).to.be.at.most(80_000);
    await t.poller.stop();
  });

  it('keeps at most `concurrency` polls in flight and never two for one BMC', async () => {
    const t = setup([1, 2, 3, 4, 5].map(target), { concurrency: 2 });
    for (let i = 1; i <= 5; i++) t.reader.power.set(`10.0.0.${i}`, 'on');
    await t.poller.start(new AbortController().signal);
    t.advance(5_000);
    t.reader.hold();
    const round = t.poller.pollDue();
    const again = t.poller.pollDue();
    t.reader.release();
    await Promise.all([round, again]);
    expect(t.reader.calls).to.have.length(2);
    expect(new Set(t.reader.calls).size).to.equal(2);
    expect(t.reader.maxConcurrent).to.equal(2);
    await t.poller.stop();
  });

  it('follows a new inventory: polls new nodes, forgets removed ones', async () => {
    const t = setup([target(1)]);
    t.reader.power.set('10.0.0.1', 'on');
    t.reader.power.set('10.0.0.2', 'off');
    await t.poller.start(new AbortController().signal);
    await t.poller.reload([target(2)]);
    t.advance(5_000);
    await t.poller.pollDue();
    await t.poller.stop();
    expect(t.reader.calls).to.deep.equal(['10.0.0.2']);
  });

  it('runs on its own timer and stops cleanly', async () => {
    let now = 0;
    const reader = new FakePowerReader();
    reader.power.set('10.0.0.1', 'on');
    const recorder = new Recorder();
    const poller = new BmcPoller(reader, recorder, { observeBmcCommand: () => undefined, recordSensors: () => undefined }, [target(1)], {
      intervalMs: 200, jitter: 0, unreachableAfter: 3, maxBackoffMs: 1000, sensorsIntervalMs: 0, concurrency: 4, pollTimeoutMs: 1000, now: () => (now += 50), random: () => 0,
    }, silentLogger());
    await poller.start(new AbortController().signal);
    await new Promise((r) => setTimeout(r, 60));
    expect(await poller.healthcheck()).to.equal(true);
    await poller.stop();
    expect(reader.calls.length).to.be.at.least(1);
    expect(recorder.power.get('m1')).to.equal('on');
  });
});
