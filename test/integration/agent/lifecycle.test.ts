import { expect } from 'chai';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from '../../../agent/daemon/agent.js';
import { SdNotifier } from '../../../agent/daemon/sd-notify.js';
import type { ServiceEntry } from '../../../agent/daemon/subsystems.js';
import type { Overrides } from '../../../agent/daemon/compose.js';
import { fakeBmcLayer } from '../../lib/fake-bmc-layer.js';
import type { Service } from '../../../agent/lib/service.js';
import { isRackerError } from '../../../agent/lib/errors.js';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { FakePowerReader } from '../../lib/fake-power-reader.js';
import { captureLog } from '../../lib/capture-log.js';
import { call } from '../../lib/agent-api.js';

/** A subsystem that records its lifecycle in `trace`; its start can fail or wait for an abort. */
function recorded(name: string, trace: string[], o: { fail?: boolean; hangUntilAbort?: boolean; onStarting?: () => void; reloadable?: boolean; config?: ('dhcp' | 'boot')[]; inventory?: boolean } = {}): ServiceEntry {
  let instances = 0;
  return {
    name,
    dependsOn: { config: o.config ?? [], inventory: o.inventory ?? false },
    create: () => {
      const n = ++instances;
      const s: Service = {
        name,
        start: async (signal) => {
          trace.push(`start ${name}#${n}`);
          o.onStarting?.();
          if (o.fail === true) throw new Error(`${name} exploded`);
          if (o.hangUntilAbort === true) await new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
        },
        stop: async () => { trace.push(`stop ${name}#${n}`); },
      };
      return s;
    },
    ...(o.reloadable === true ? { reload: async (s: Service) => { trace.push(`reload ${s.name}`); } } : {}),
  };
}

describe('agent lifecycle (in process, fake subsystems)', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let sent: string[];
  let agent: Agent | undefined;

  /** The agent as compose.ts builds it, with the network services and the BMC layer replaced (never the real rack's addresses). */
  const make = (o: { services?: ServiceEntry[]; powerReader?: () => FakePowerReader }): Agent => {
    const overrides: Overrides = { networkServices: () => o.services ?? [], bmc: () => fakeBmcLayer(o.powerReader?.()) };
    const cap = captureLog('warn');
    const notifier = new SdNotifier({ env: { NOTIFY_SOCKET: '/fake' }, log: cap.log, send: (_a, p) => { sent.push(p.toString()); } });
    agent = new Agent({ env: rack.env, log: cap.log, notifier, overrides, version: 'test' });
    return agent;
  };

  beforeEach(async () => {
    dir = await makeTempDir();
    rack = await writeFakeRack(dir, { configYaml: 'agent:\n  metricsPort: 0\n  bmcPoll:\n    intervalMs: 200\n    unreachableAfter: 2\n    maxBackoffMs: 400\n' });
    sent = [];
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await removeTempDir(dir);
  });

  it('starts subsystems in order, says READY once everything is up, and stops in reverse exactly once', async () => {
    const trace: string[] = [];
    const a = make({ services: [recorded('dhcp', trace, { onStarting: () => trace.push(`ready sent: ${sent.some((d) => d.startsWith('READY'))}`) }), recorded('boot', trace)] });
    expect(await a.start(new AbortController().signal)).to.equal(true);
    expect(sent[0]).to.match(/^READY=1\nSTATUS=ready: 3 nodes/);
    await stat(join(rack.runDir, 'agent.sock'));
    const [first, second] = await Promise.all([a.stop(), a.stop()]);
    expect([first, second]).to.deep.equal([true, true]);
    expect(trace).to.deep.equal(['start dhcp#1', 'ready sent: false', 'start boot#1', 'stop boot#1', 'stop dhcp#1']);
    expect(sent.at(-1)).to.match(/^STOPPING=1/);
  });

  it('a failed start stops what had started and names the service', async () => {
    const trace: string[] = [];
    const a = make({ services: [recorded('dhcp', trace), recorded('boot', trace, { fail: true })] });
    let err: unknown;
    try { await a.start(new AbortController().signal); } catch (e) { err = e; }
    expect(isRackerError(err) && err.message).to.equal('cannot start boot: boot exploded');
    expect(trace).to.deep.equal(['start dhcp#1', 'start boot#1', 'stop dhcp#1']);
    expect(sent.filter((d) => d.startsWith('READY'))).to.deep.equal([]);
    await stat(join(rack.runDir, 'agent.sock')).then(() => { throw new Error('control socket left'); }, () => undefined);
  });

  for (const phase of ['dhcp', 'boot']) {
    it(`a stop request while ${phase} is starting aborts the start and stops what had started`, async () => {
      const trace: string[] = [];
      const abort = new AbortController();
      const a = make({ services: [recorded('dhcp', trace, { hangUntilAbort: phase === 'dhcp' }), recorded('boot', trace, { hangUntilAbort: phase === 'boot' })] });
      const starting = a.start(abort.signal);
      while (!trace.includes(`start ${phase}#1`)) await new Promise((r) => setTimeout(r, 5));
      abort.abort();
      expect(await starting).to.equal(false);
      expect(trace).to.deep.equal(phase === 'dhcp' ? ['start dhcp#1'] : ['start dhcp#1', 'start boot#1', 'stop dhcp#1']);
      expect(await a.stop()).to.equal(true);
    });
  }

  it('reload touches only what changed: reloads DHCP on a nodes.csv change, restarts boot on a boot config change', async () => {
    const trace: string[] = [];
    const a = make({ services: [recorded('dhcp', trace, { reloadable: true, config: ['dhcp'], inventory: true }), recorded('boot', trace, { config: ['boot'] })] });
    await a.start(new AbortController().signal);
    trace.length = 0;
    expect((await a.reload()).reloaded).to.deep.equal([]);
    await appendFile(join(rack.oemDir, 'nodes.csv'), '00:11:22:33:44:80, 00:11:22:33:44:81, 00:11:22:33:44:90, red, new\n');
    // As in the shipped agent: the retiring of left servers sweeps, the BMC poller restarts with the new node list.
    expect((await a.reload()).reloaded).to.deep.equal(['state', 'dhcp', 'retire', 'bmc-poller']);
    expect(trace).to.deep.equal(['reload dhcp']);
    trace.length = 0;
    await writeFile(rack.configPath, `${await readFile(rack.configPath, 'utf8')}boot:\n  port: 8081\n`);
    expect((await a.reload()).reloaded).to.deep.equal(['boot', 'retire']); // retire sweeps the boot data directory
    expect(trace).to.deep.equal(['stop boot#1', 'start boot#2']);
    expect(sent.filter((d) => d.startsWith('RELOADING=1'))).to.have.length(3);
    expect(sent.filter((d) => d.startsWith('READY=1'))).to.have.length(4);
  });

  it('polls BMC power through the injected reader and marks an unreachable BMC with a hint', async () => {
    const reader = new FakePowerReader();
    reader.power.set('172.24.213.5', 'on');
    reader.power.set('172.24.213.6', 'off');
    // 172.24.213.7 (node-04's BMC) never answers.
    const a = make({ powerReader: () => reader });
    await a.start(new AbortController().signal);
    const socket = join(rack.runDir, 'agent.sock');
    type Nodes = { nodes: { hostname: string; power: { state: string }; bmc: { reachable: boolean | null }; lastError?: { step: string; message: string; hint?: string } }[] };
    let nodes: Nodes['nodes'] = [];
    for (let i = 0; i < 100; i++) {
      nodes = ((await call(socket, 'GET', '/v1/nodes')).json() as Nodes).nodes;
      if (nodes[3]?.bmc.reachable === false && nodes[1]?.power.state === 'on') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(nodes.map((n) => [n.hostname, n.power.state, n.bmc.reachable])).to.deep.equal([
      ['node-01', 'unknown', null], ['node-02', 'on', true], ['node-03', 'off', true], ['node-04', 'unknown', false],
    ]);
    expect(nodes[3]?.lastError?.step).to.equal('BMC poll');
    expect(nodes[3]?.lastError?.message).to.match(/node-04 .* BMC 172\.24\.213\.7 unreachable after 2 failed polls/);
  });
});
