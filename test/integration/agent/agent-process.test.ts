import { expect } from 'chai';
import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { freePort, isReady, runRacker, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { NotifyListener } from '../../lib/notify-listener.js';
import { call } from '../../lib/agent-api.js';
import { bootDataDirs, stateFiles } from '../../../agent/config/paths.js';
import type { Mac } from '../../../agent/lib/mac.js';
import { FileBootStore } from '../../../bootstrap/file-boot-store.js';
import { installGroupId, installedGroupId } from '../../../bootstrap/groups-profiles.js';

describe('racker agent as a process', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let metricsPort: number;
  const agents: AgentProcess[] = [];
  let listener: NotifyListener | undefined;

  const socket = (): string => join(rack.runDir, 'agent.sock');
  const start = (env: Record<string, string> = {}): AgentProcess => {
    const a = startAgent({ ...rack.env, ...env });
    agents.push(a);
    return a;
  };

  beforeEach(async () => {
    dir = await makeTempDir();
    metricsPort = await freePort();
    rack = await writeFakeRack(dir, { configYaml: `agent:\n  metricsPort: ${metricsPort}\n`, isolated: { bootPort: await freePort() } });
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.kill('SIGKILL');
    await listener?.stop();
    listener = undefined;
    await removeTempDir(dir);
  });

  it('starts, serves the socket and metrics, shows `racker status`, stops on SIGTERM with status 0, then status shows the persisted state', async () => {
    const a = start();
    await a.waitForLog(isReady);
    expect((await stat(socket())).mode & 0o777).to.equal(0o600);
    const health = await call(socket(), 'GET', '/v1/health');
    expect(health.status).to.equal(200);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(await metrics.text()).to.include('racker_nodes{phase="new"} 3');

    const status = await runRacker(['status'], rack.env);
    expect(status.code).to.equal(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).to.match(/^NODE\s+ROLE\/TYPE\s+PRIMARY MAC\s+INTERNAL IP\s+BMC\s+POWER\s+PHASE\s+SINCE\s+LAST PROBLEM$/);
    expect(lines[2]).to.match(/^node-02\s+-\/red\s+00:11:22:33:44:10\s+172\.24\.213\.2\s+\?\s+unknown\s+new\s+\d+s$/);
    expect(status.stdout).not.to.include('not running');
    const json = JSON.parse((await runRacker(['status', '--json'], rack.env)).stdout) as { agentRunning: boolean; nodes: unknown[] };
    expect(json.agentRunning).to.equal(true);
    expect(json.nodes).to.have.length(4);

    expect(await a.kill('SIGTERM')).to.equal(0);
    await stat(socket()).then(() => { throw new Error('the socket is still there'); }, () => undefined);
    const offline = await runRacker(['status'], rack.env);
    expect(offline.code).to.equal(0);
    expect(offline.stdout).to.match(/^\*\*\* The racker agent is not running/);
    expect(offline.stdout).to.include('LAST PERSISTED STATE');
    expect(offline.stdout).to.match(/node-04\s+-\/purple\s+00:11:22:33:44:60/);
    const offlineJson = JSON.parse((await runRacker(['status', '--json'], rack.env)).stdout) as { agentRunning: boolean; source: string };
    expect(offlineJson).to.include({ agentRunning: false, source: 'persisted' });
    // One `component` per line: a child logger of a child that names it again repeats the key.
    expect(a.raw.filter((l) => l.includes('"component":'))).to.not.be.empty;
    expect(a.raw.filter((l) => l.split('"component":').length > 2)).to.deep.equal([]);
  });

  it('speaks sd_notify to a real datagram socket: READY with STATUS, WATCHDOG while healthy, RELOADING/READY on SIGHUP, STOPPING', async () => {
    listener = await NotifyListener.start(`@racker-agent-test/${process.pid}/${Date.now()}`);
    const a = start({ NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: '400000' });
    expect(await listener.waitFor((d) => d.startsWith('READY=1'))).to.equal('READY=1\nSTATUS=ready: 3 nodes, 0 provisioned\n');
    await listener.waitFor((d) => d === 'WATCHDOG=1\n');
    a.child.kill('SIGHUP');
    await listener.waitFor((d) => d.startsWith('RELOADING=1\nMONOTONIC_USEC='));
    const l = listener;
    await l.waitFor(() => l.datagrams.filter((d) => d.startsWith('READY=1')).length === 2);
    expect(await a.kill('SIGTERM')).to.equal(0);
    await listener.waitFor((d) => d.startsWith('STOPPING=1'));
    const kinds = listener.datagrams.map((d) => d.split('=')[0]).filter((k) => k !== 'WATCHDOG');
    expect(kinds).to.deep.equal(['READY', 'RELOADING', 'READY', 'STOPPING']);
  });

  it('reloads on SIGHUP: a new nodes.csv row appears, only services whose inputs changed are touched', async () => {
    const a = start();
    await a.waitForLog(isReady);
    await appendFile(join(rack.oemDir, 'nodes.csv'), '00:11:22:33:44:80, 00:11:22:33:44:81, 00:11:22:33:44:90, red, new server\n');
    a.child.kill('SIGHUP');
    const done = await a.waitForLog((l) => l.msg === 'reload done');
    // Everything built from the inventory is reloaded (dnsmasq by SIGHUP) or restarted; the rest is left alone.
    expect(done.reloaded).to.deep.equal(['state', 'pxe-address', 'dhcp', 'boot', 'retire', 'bmc-poller']);
    expect(done.unchanged).to.deep.equal(['discovery', 'metrics', 'bmc', 'jobs', 'control-api', 'watchdog']);
    const nodes = (await call(socket(), 'GET', '/v1/nodes')).json() as { nodes: { hostname: string; address?: string }[] };
    expect(nodes.nodes.map((n) => n.hostname)).to.deep.equal(['node-01', 'node-02', 'node-03', 'node-04', 'node-05']);
    // Addresses of existing nodes did not move when the row was added.
    expect(nodes.nodes[1]?.address).to.equal('172.24.213.2');

    // Changing the agent section restarts the metrics server on its new port; nothing else.
    const newPort = await freePort();
    const config = await readFile(rack.configPath, 'utf8');
    await writeFile(rack.configPath, config.replace(`metricsPort: ${metricsPort}`, `metricsPort: ${newPort}`));
    const r = (await call(socket(), 'POST', '/v1/reload')).json() as { reloaded: string[] };
    expect(r.reloaded).to.deep.equal(['metrics', 'bmc-poller']); // the poller's settings are in the agent section too
    expect((await fetch(`http://127.0.0.1:${newPort}/metrics`)).status).to.equal(200);
    await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(() => { throw new Error('old metrics port still open'); }, () => undefined);

    // A broken configuration is refused with its problems; the agent keeps running as it was.
    await writeFile(rack.configPath, config.replace('network:\n  configureInterface: false', 'network:\n  configureInterface: false\n  subnet: 10.0.0.0/33'));
    const bad = await call(socket(), 'POST', '/v1/reload');
    expect(bad.status).to.equal(422);
    expect((bad.json() as { problems: { field: string }[] }).problems.map((p) => p.field)).to.deep.equal(['network.subnet']);
    expect((await call(socket(), 'GET', '/v1/health')).status).to.equal(200);
    expect(await a.kill('SIGTERM')).to.equal(0);
  });

  // Journeys 3 and 4 in the agent: what a bootstrap left for node-03 and node-04 (tokens, boot data) is
  // on disk; node-03's row is deleted and node-04's row gets a new server's MACs, then SIGHUP.
  it('retires a removed and a replaced server on reload: record, token and boot data go; the replacement is told', async () => {
    const gone = ['00:11:22:33:44:20', '00:11:22:33:44:60'];
    const kept = '00:11:22:33:44:10';
    const tokens = Object.fromEntries([kept, ...gone].map((m, i) => [m, `token-${i}-${'x'.repeat(24)}`]));
    const files = stateFiles(rack.stateDir);
    // As the agent's token store writes them: per job, expiring (entries of another shape are dropped at load).
    const stored = Object.fromEntries(Object.entries(tokens).map(([m, token]) => [m, { token, job: 'job-1', expiresAt: Date.now() + 3_600_000 }]));
    await writeFile(files.phoneHomeTokens, JSON.stringify(stored), { mode: 0o600 });
    const boot = new FileBootStore(bootDataDirs(rack, {}).dataDir);
    for (const m of [kept, ...gone] as Mac[]) {
      for (const id of [installGroupId(m), installedGroupId(m)]) {
        await boot.putGroup({ id, profile: id, selector: { mac: m } });
        await boot.putProfile({ id, ignition_id: `${id}.ign` });
        await boot.putIgnition(`${id}.ign`, `{"token":"${tokens[m] ?? ''}"}`);
      }
    }
    const a = start();
    await a.waitForLog(isReady);
    const csvPath = join(rack.oemDir, 'nodes.csv');
    // Replace first (same row, new server), then remove (a deleted row moves the rows below it up).
    await writeFile(csvPath, (await readFile(csvPath, 'utf8')).replace('00:11:22:33:44:60, 00:11:22:33:44:61, 00:11:22:33:44:70', '00:11:22:33:44:a0, 00:11:22:33:44:a1, 00:11:22:33:44:b0'));
    a.child.kill('SIGHUP');
    await a.waitForLog((l) => l.msg === 'reload done');
    await writeFile(csvPath, (await readFile(csvPath, 'utf8')).replace(/^00:11:22:33:44:20,.*\n/m, ''));
    a.child.kill('SIGHUP');
    await a.waitForLog((l) => l.msg === 'reload done' && a.logs.filter((x) => x.msg === 'reload done').length === 2);
    const nodes = (await call(socket(), 'GET', '/v1/nodes')).json() as { nodes: { hostname: string; mac: string; row: number }[] };
    expect(nodes.nodes.map((n) => [n.hostname, n.mac])).to.deep.equal([['node-01', '00:11:22:33:44:00'], ['node-02', kept], ['node-03', '00:11:22:33:44:a0']]);
    const status = await runRacker(['status'], rack.env);
    for (const m of gone) expect(status.stdout).to.not.contain(m);
    const events = (await call(socket(), 'GET', '/v1/events?follow=false')).body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; message: string });
    const told = events.filter((e) => e.type === 'node.removed' || e.type === 'node.added').map((e) => e.message);
    expect(told).to.include('node-03 (00:11:22:33:44:20) left nodes.csv (row 3): retired; its history stays in this log');
    expect(told).to.include('node-04 (00:11:22:33:44:60) left nodes.csv (row 4): retired; its history stays in this log');
    expect(told).to.include('node-04 (00:11:22:33:44:a0) replaces node-04 (00:11:22:33:44:60) in row 4: a new server');
    expect(Object.keys(JSON.parse(await readFile(files.phoneHomeTokens, 'utf8')) as object)).to.deep.equal([kept]);
    const groups = await readdir(join(bootDataDirs(rack, {}).dataDir, 'groups'));
    expect(groups.sort()).to.deep.equal([`${installGroupId(kept as Mac)}.json`, `${installedGroupId(kept as Mac)}.json`]);
    for (const folder of ['profiles', 'ignition']) expect(await readdir(join(bootDataDirs(rack, {}).dataDir, folder))).to.have.length(2);
    expect(await a.kill('SIGTERM')).to.equal(0);
  });

  it('recovers after kill -9: the stale socket is replaced, state and event sequence carry on', async () => {
    const a = start();
    await a.waitForLog(isReady);
    const before = (await call(socket(), 'GET', '/v1/health')).json() as { agent: { lastEventSeq: number } };
    expect(await a.kill('SIGKILL')).to.equal(137);
    expect((await stat(socket())).isSocket()).to.equal(true);
    const b = start();
    await b.waitForLog(isReady);
    await b.waitForLog((l) => /stale control socket/.test(String(l.msg)));
    const after = (await call(socket(), 'GET', '/v1/health')).json() as { agent: { lastEventSeq: number } };
    expect(after.agent.lastEventSeq).to.be.greaterThan(before.agent.lastEventSeq);
    const events = (await call(socket(), 'GET', '/v1/events?follow=false')).body.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(events.filter((e) => e.type === 'node.added')).to.have.length(4); // not re-added after the restart
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    expect(await b.kill('SIGINT')).to.equal(0);
  });

  it('refuses to start next to a running agent, or when a service cannot start, and says why (exit 1)', async () => {
    const a = start();
    await a.waitForLog(isReady);
    const second = start();
    expect(await second.exited).to.equal(1);
    expect(second.stderr()).to.match(/^racker: another racker agent is already running: it answers on .*agent\.sock/);
    expect(second.stderr()).to.match(/hint: stop it first/);
    expect(await a.kill('SIGTERM')).to.equal(0);

    let blocker: Server | undefined;
    try {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker?.listen(metricsPort, '127.0.0.1', resolve));
      const third = start();
      expect(await third.exited).to.equal(1);
      expect(third.stderr()).to.match(/cannot start metrics: cannot serve metrics on 127\.0\.0\.1:\d+: the port is in use/);
      // What had started (the state) was stopped again: nothing listens on the control socket.
      await stat(socket()).then(() => { throw new Error('a control socket was left behind'); }, () => undefined);
    } finally {
      await new Promise((resolve) => blocker?.close(resolve));
    }

    await writeFile(join(rack.stateDir, 'state.json'), '{"version":1,');
    const fourth = start();
    expect(await fourth.exited).to.equal(1);
    expect(fourth.stderr()).to.match(/state\.json is damaged/);
    expect(fourth.stderr()).to.match(/move .*state\.json aside/);
  });

  it('racker status: exit 1 before any state exists; --full shows events; --watch redraws on changes and ends on SIGINT', async () => {
    const never = await runRacker(['status'], rack.env);
    expect(never.code).to.equal(1);
    expect(never.stderr).to.match(/the racker agent is not running .* and has never saved a state/);

    const a = start();
    await a.waitForLog(isReady);
    const full = await runRacker(['status', '--full'], rack.env);
    expect(full.stdout).to.match(/node-03 \(00:11:22:33:44:20\)\n {2}BMC: {5}172\.24\.213\.6 \(MAC 00:11:22:33:44:21\), driver ipmi, not polled yet/);
    expect(full.stdout).to.match(/recent events:\n {4}\S+ \S+ {2}node\.added {7}node-03 \(00:11:22:33:44:20\) is in nodes\.csv/);

    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const { racker } = await import('../../lib/paths.js');
    const watch = spawn(process.execPath, [racker, 'status', '--watch', '--json'], { env: { PATH: process.env.PATH ?? '', ...rack.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const snapshots: { nodes: unknown[] }[] = [];
      createInterface({ input: watch.stdout }).on('line', (l) => snapshots.push(JSON.parse(l) as { nodes: unknown[] }));
      const until = async (cond: () => boolean): Promise<void> => {
        for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
        expect(cond(), JSON.stringify(snapshots.map((x) => x.nodes.length))).to.equal(true);
      };
      await until(() => snapshots.length >= 1);
      expect(snapshots[0]?.nodes).to.have.length(4);
      await appendFile(join(rack.oemDir, 'nodes.csv'), '00:11:22:33:44:80, 00:11:22:33:44:81, 00:11:22:33:44:90, red, new server\n');
      a.child.kill('SIGHUP');
      await until(() => snapshots.some((x) => x.nodes.length === 5));
      const exited = new Promise<number | null>((r) => watch.once('exit', (code) => r(code)));
      watch.kill('SIGINT');
      expect(await exited).to.equal(0);
    } finally {
      if (watch.exitCode === null && watch.pid !== undefined) process.kill(watch.pid, 'SIGKILL');
    }
    expect(await a.kill('SIGTERM')).to.equal(0);
  });
});
