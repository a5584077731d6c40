import { bootstrapBody } from '../../lib/bootstrap-request.js';
import { expect } from 'chai';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ControlServer } from '../../../agent/api/control-server.js';
import { AgentClient } from '../../../agent/api/client.js';
import { createControlBackend } from '../../../agent/daemon/control-backend.js';
import { HealthMonitor } from '../../../agent/daemon/health.js';
import { JobManager } from '../../../agent/daemon/jobs.js';
import { EventLog } from '../../../agent/state/event-log.js';
import { DiscoveredMacs } from '../../../agent/state/discovered-macs.js';
import { StateStore } from '../../../agent/state/state-store.js';
import { createMetrics } from '../../../agent/metrics/metrics.js';
import { ErrorCodes, RackerError } from '../../../agent/lib/errors.js';
import type { Service } from '../../../agent/lib/service.js';
import type { JobRecord } from '../../../agent/state/records.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { FakeJobRunner } from '../../lib/fake-job-runner.js';
import { call, follow } from '../../lib/agent-api.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const NODES = [0, 1, 2, 3].map((i) => ({
  primaryMac: `02:00:00:00:00:0${i}`, bmcMac: `02:00:00:00:01:0${i}`, secondaryMac: `02:00:00:00:02:0${i}`, nodeType: 'purple', row: i + 1,
  hostname: `node-0${i + 1}`, address: i === 0 ? undefined : `10.0.0.${i + 1}`, bmcAddress: i === 0 ? undefined : `10.0.0.${i + 100}`, isManagement: i === 0,
}));

interface Harness {
  dir: string;
  socket: string;
  store: StateStore;
  runner: FakeJobRunner;
  jobs: JobManager;
  server: ControlServer;
  healthy: { value: boolean };
  stop: () => Promise<void>;
}

async function harness(o: { socketGroup?: string; controlGroup?: string; runner?: boolean } = {}): Promise<Harness> {
  const dir = await makeTempDir();
  const log = silentLogger();
  const events = new EventLog({ dir, maxBytes: 1 << 20, keep: 1, log });
  const store = new StateStore({ stateDir: dir, events, log });
  await store.start(new AbortController().signal);
  store.syncInventory(NODES, () => 'ipmi');
  const discovery = new DiscoveredMacs(events);
  await discovery.start(new AbortController().signal);
  const runner = new FakeJobRunner();
  const jobs = new JobManager(store, o.runner === false ? undefined : runner, createMetrics(store, { processMetrics: false }), log);
  await jobs.start(new AbortController().signal);
  const healthy = { value: true };
  const probe: Service = { name: 'dhcp', start: async () => undefined, stop: async () => undefined, healthcheck: async () => healthy.value };
  let reloads = 0;
  const backend = createControlBackend({
    store, events, discovery, jobs, health: new HealthMonitor(() => [store, probe]),
    info: () => ({ version: '0.0.0-test', pid: process.pid, startedAt: '2030-01-01T00:00:00.000Z', configFile: undefined }),
    reload: async () => ({ reloaded: [], unchanged: ['state'], warnings: [`reload ${++reloads}`] }),
  });
  const server = new ControlServer(backend, { runDir: join(dir, 'run'), socketGroup: o.socketGroup, controlGroup: o.controlGroup, lookupGroup: async (g) => (g === 'racker' ? 4242 : undefined) }, log);
  await server.start(new AbortController().signal);
  return {
    dir, socket: server.socketPath, store, runner, jobs, server, healthy,
    stop: async () => { await server.stop(); await jobs.stop(); await discovery.stop(); await store.stop(); await removeTempDir(dir); },
  };
}

describe('api: the control API on a unix socket', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  afterEach(async () => { await h?.stop(); h = undefined; });

  it('lists the MACs the discovery pool has seen, newest sighting per MAC, none of the rack\'s own', async () => {
    h = await harness();
    const known = h.store.nodes()[1]?.mac as string;
    h.store.event({ type: 'dhcp.discovery', level: 'info', message: 'discovered', data: { mac: '0a:00:00:00:00:01', ip: '172.24.213.240', vendorClass: 'PXEClient:Arch:00000' } });
    h.store.event({ type: 'dhcp.discovery', level: 'info', message: 'discovered', data: { mac: '0a:00:00:00:00:01', ip: '172.24.213.241' } });
    h.store.event({ type: 'dhcp.discovery', level: 'info', message: 'discovered', data: { mac: known, ip: '172.24.213.242' } });
    h.store.event({ type: 'dhcp.ack', level: 'info', message: 'not a discovery', data: { mac: '0a:00:00:00:00:02' } });
    await h.store.persisted();
    const r = await call(h.socket, 'GET', '/v1/discovery');
    expect(r.status).to.equal(200);
    const macs = (r.json() as { macs: { mac: string; ip: string }[] }).macs;
    expect(macs.map((m) => [m.mac, m.ip])).to.deep.equal([['0a:00:00:00:00:01', '172.24.213.241']]);
  });

  it('creates both sockets with mode 0600; agent.socketGroup opens the read socket (0660), agent.controlGroup the control socket', async () => {
    h = await harness();
    expect((await stat(h.socket)).mode & 0o777).to.equal(0o600);
    expect((await stat(h.server.readSocketPath)).mode & 0o777).to.equal(0o600);
    await h.stop();
    h = await harness({ socketGroup: 'racker' });
    const s = await stat(h.server.readSocketPath);
    expect(s.mode & 0o777).to.equal(0o660);
    expect(s.gid).to.equal(4242);
    expect((await stat(h.socket)).mode & 0o777).to.equal(0o600);
    await h.stop();
    h = await harness({ controlGroup: 'racker' });
    expect((await stat(h.socket)).mode & 0o777).to.equal(0o660);
    expect((await stat(h.socket)).gid).to.equal(4242);
    expect((await stat(h.server.readSocketPath)).mode & 0o777).to.equal(0o600);
  });

  it('the read socket answers GETs and refuses control (403) with where to go instead', async () => {
    h = await harness();
    expect((await call(h.server.readSocketPath, 'GET', '/v1/jobs')).status).to.equal(200);
    for (const path of ['/v1/jobs', '/v1/reload', '/v1/jobs/x/cancel']) {
      const r = await call(h.server.readSocketPath, 'POST', path, '{}');
      expect(r.status, path).to.equal(403);
      expect(r.json()).to.deep.include({ code: 'RACKER_E_FORBIDDEN' });
    }
    expect(h.jobs.list()).to.deep.equal([]);
  });

  it('answers health (503 and the failing check when unhealthy), nodes, and one node by MAC or host name', async () => {
    h = await harness();
    let r = await call(h.socket, 'GET', '/v1/health');
    expect(r.status).to.equal(200);
    expect(r.json()).to.deep.include({ status: 'ok' });
    h.healthy.value = false;
    r = await call(h.socket, 'GET', '/v1/health');
    expect(r.status).to.equal(503);
    expect((r.json() as { checks: unknown[] }).checks).to.deep.include({ name: 'dhcp', healthy: false, reason: 'reported unhealthy' });
    r = await call(h.socket, 'GET', '/v1/nodes');
    const body = r.json() as { nodes: { hostname: string }[]; agent: { version: string } };
    expect(body.nodes.map((n) => n.hostname)).to.deep.equal(['node-01', 'node-02', 'node-03', 'node-04']);
    expect(body.agent.version).to.equal('0.0.0-test');
    expect(((await call(h.socket, 'GET', '/v1/nodes/node-02')).json() as { node: { mac: string } }).node.mac).to.equal('02:00:00:00:00:01');
    expect(((await call(h.socket, 'GET', '/v1/nodes/02-00-00-00-00-02')).json() as { node: { hostname: string } }).node.hostname).to.equal('node-03');
  });

  it('answers JSON errors with a code and message: unknown node, endpoint, method, bad JSON, invalid fields', async () => {
    h = await harness();
    const expectError = async (method: string, path: string, status: number, code: string, body?: string, type?: string): Promise<{ message: string; problems?: { field: string }[] }> => {
      const r = await call(h?.socket as string, method, path, body, type);
      expect(r.status, `${method} ${path}: ${r.body}`).to.equal(status);
      expect(r.headers['content-type']).to.equal('application/json');
      const e = r.json() as { code: string; message: string; problems?: { field: string }[] };
      expect(e.code).to.equal(code);
      expect(e.message).to.be.a('string').and.not.equal('');
      return e;
    };
    await expectError('GET', '/v1/nodes/node-99', 404, ErrorCodes.notFound);
    await expectError('GET', '/v2/nodes', 404, ErrorCodes.notFound);
    await expectError('DELETE', '/v1/nodes', 405, ErrorCodes.badRequest);
    await expectError('POST', '/v1/jobs', 400, ErrorCodes.badRequest, '{"kind":', 'application/json');
    await expectError('POST', '/v1/jobs', 400, ErrorCodes.badRequest, 'kind=bootstrap', 'application/x-www-form-urlencoded');
    const invalid = await expectError('POST', '/v1/jobs', 400, ErrorCodes.badRequest, bootstrapBody({ onFailure: 'panic', color: 'red' }));
    expect(invalid.problems?.map((p) => p.field).sort()).to.deep.equal(['color', 'onFailure']);
    const unknown = await expectError('POST', '/v1/jobs', 400, ErrorCodes.badRequest, bootstrapBody({ nodes: ['node-02', 'node-77', 'node-01'] }));
    expect(unknown.problems?.map((p) => p.field)).to.deep.equal(['nodes.1', 'nodes.2']);
    await expectError('GET', '/v1/events?since=-1', 400, ErrorCodes.badRequest);
    await expectError('POST', '/v1/jobs', 400, ErrorCodes.badRequest, bootstrapBody({}, { clusterName: 'refused-by-runner' }));
    await expectError('GET', '/v1/jobs/nope', 404, ErrorCodes.notFound);
  });

  it('streams events as NDJSON: the backlog after `since`, then new events as they happen', async () => {
    h = await harness();
    const before = await call(h.socket, 'GET', '/v1/events?follow=false');
    const backlog = before.body.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(backlog.map((e) => e.type)).to.deep.equal(['node.added', 'node.added', 'node.added', 'node.added']);
    const stream = follow(h.socket, `/v1/events?since=${backlog[2]?.seq}`);
    await stream.ready;
    await stream.waitFor(1);
    h.store.setPhase('02:00:00:00:00:01', 'dhcp');
    h.store.setPower('02:00:00:00:00:02', 'on');
    await stream.waitFor(3);
    stream.stop();
    expect(stream.lines.map((e) => (e as { type: string }).type)).to.deep.equal(['node.added', 'node.phase', 'node.power']);
    const byNode = await call(h.socket, 'GET', '/v1/events?follow=false&node=node-02');
    expect(byNode.body.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).to.deep.equal(['node.added', 'node.phase']);
  });

  it('runs a bootstrap job: create, question, answer, success; one job at a time', async () => {
    h = await harness();
    h.runner.script = { ask: { text: 'node-03 did not DHCP within 5 minutes: retry, exclude or cancel?', choices: ['retry', 'exclude', 'cancel'], node: '02:00:00:00:00:02' } };
    const created = await call(h.socket, 'POST', '/v1/jobs', bootstrapBody({ exclude: ['node-04'] }));
    expect(created.status).to.equal(202);
    const job = (created.json() as { job: JobRecord }).job;
    expect(job.progress.total).to.equal(2);
    const second = await call(h.socket, 'POST', '/v1/jobs', bootstrapBody());
    expect(second.status).to.equal(409);
    let waiting: JobRecord | undefined;
    for (let i = 0; i < 50 && waiting?.state !== 'waiting'; i++) {
      waiting = ((await call(h.socket, 'GET', `/v1/jobs/${job.id}`)).json() as { job: JobRecord }).job;
      if (waiting.state !== 'waiting') await new Promise((r) => setTimeout(r, 20));
    }
    const q = waiting?.question;
    expect(q?.choices).to.deep.equal(['retry', 'exclude', 'cancel']);
    expect((await call(h.socket, 'POST', `/v1/jobs/${job.id}/answer`, JSON.stringify({ questionId: q?.id, answer: 'maybe' }))).status).to.equal(400);
    expect((await call(h.socket, 'POST', `/v1/jobs/${job.id}/answer`, JSON.stringify({ questionId: 'old', answer: 'retry' }))).status).to.equal(409);
    expect((await call(h.socket, 'POST', `/v1/jobs/${job.id}/answer`, JSON.stringify({ questionId: q?.id, answer: 'exclude' }))).status).to.equal(200);
    let done: JobRecord | undefined;
    for (let i = 0; i < 50 && done?.state !== 'succeeded'; i++) {
      done = ((await call(h.socket, 'GET', `/v1/jobs/${job.id}`)).json() as { job: JobRecord }).job;
      if (done.state !== 'succeeded') await new Promise((r) => setTimeout(r, 20));
    }
    expect(done).to.deep.include({ state: 'succeeded', message: '2 nodes provisioned' });
    expect(done?.progress.ready).to.equal(2);
    expect(h.runner.answers).to.deep.equal(['exclude']);
    expect((await call(h.socket, 'POST', `/v1/jobs/${job.id}/cancel`)).status).to.equal(409);
    const types = (await call(h.socket, 'GET', `/v1/events?follow=false&job=${job.id}`)).body.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).to.deep.equal(['job.created', 'job.state', 'job.question', 'job.answered', 'job.state']);
  });

  it('cancels a running job, and reports a failing one with its code and hint', async () => {
    h = await harness();
    h.runner.script = { hang: true };
    const job = ((await call(h.socket, 'POST', '/v1/jobs', bootstrapBody())).json() as { job: JobRecord }).job;
    const cancelled = await call(h.socket, 'POST', `/v1/jobs/${job.id}/cancel`);
    expect(cancelled.status).to.equal(202);
    expect((cancelled.json() as { job: JobRecord }).job.state).to.equal('cancelled');
    h.runner.script = { fail: 'BMC 10.0.0.102 refused the boot device' };
    const failing = ((await call(h.socket, 'POST', '/v1/jobs', bootstrapBody())).json() as { job: JobRecord }).job;
    await new Promise((r) => setTimeout(r, 100));
    const after = (await new AgentClient({ socketPath: h.socket }).get(`/v1/jobs/${failing.id}`, 'job')).job;
    expect(after.state).to.equal('failed');
    expect(after.error).to.deep.equal({ code: ErrorCodes.bmc, message: 'BMC 10.0.0.102 refused the boot device', hint: 'check the BMC' });
  });

  it('an agent stop leaves a running job to resume at the next start (told by the abort code, not its text)', async () => {
    h = await harness();
    h.runner.script = { hang: true };
    const job = ((await call(h.socket, 'POST', '/v1/jobs', bootstrapBody())).json() as { job: JobRecord }).job;
    await h.jobs.stop();
    expect(h.jobs.get(job.id)).to.deep.include({ state: 'running', message: 'the agent stopped; the job resumes when it starts again' });
  });

  it('says 501 when the agent has no bootstrap runner, and relays reload', async () => {
    h = await harness({ runner: false });
    const r = await call(h.socket, 'POST', '/v1/jobs', bootstrapBody());
    expect(r.status).to.equal(501);
    expect((r.json() as { code: string }).code).to.equal(ErrorCodes.notImplemented);
    const reload = await call(h.socket, 'POST', '/v1/reload');
    expect(reload.json()).to.deep.equal({ reloaded: [], unchanged: ['state'], warnings: ['reload 1'] });
  });

  it('refuses to start while another agent answers on the socket, and replaces a stale socket file', async () => {
    h = await harness();
    const log = silentLogger();
    const dummy = createControlBackend({} as never);
    const second = new ControlServer(dummy, { runDir: join(h.dir, 'run') }, log);
    let err: unknown;
    try { await second.start(new AbortController().signal); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(RackerError);
    expect((err as RackerError).code).to.equal(ErrorCodes.conflict);
    expect((err as RackerError).message).to.match(/another racker agent is already running/);
    // A socket file nobody listens on (a killed agent's) is replaced.
    const staleDir = join(h.dir, 'stale');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(staleDir);
    await writeFile(join(staleDir, 'agent.sock'), '');
    const third = new ControlServer(dummy, { runDir: staleDir }, log);
    await third.start(new AbortController().signal);
    expect((await stat(join(staleDir, 'agent.sock'))).isSocket()).to.equal(true);
    await third.stop();
  });

  it('client: says the agent is not running when nobody listens', async () => {
    h = await harness();
    await h.server.stop();
    let err: unknown;
    try { await new AgentClient({ socketPath: h.socket }).get('/v1/nodes', 'nodes'); } catch (e) { err = e; }
    expect((err as RackerError).code).to.equal(ErrorCodes.agentUnavailable);
    expect((err as RackerError).hint).to.match(/systemctl start racker-agent/);
  });
});
