/**
 * End to end on a simulated rack (SLOW: QEMU under TCG, about 4 minutes on 2 cores): racker-sim
 * builds two servers with OpenIPMI BMCs and the stand-in OS; the real agent runs in the
 * management node's namespace with real dnsmasq, TFTP, iPXE and the boot service, and drives the
 * BMCs over IPMI lanplus. Three runs: a bootstrap to ready; a fault run with one BMC down, where
 * that node fails in the BMC check with a hint and the other is provisioned; and an agent
 * restart in the middle of a bootstrap, which the restarted agent resumes to ready.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, isReady, type AgentProcess } from '../../lib/agent-process.js';
import { call } from '../../lib/agent-api.js';
import { runRacker } from '../../lib/run-racker.js';
import { runSim, simSkipReason } from '../../lib/run-sim.js';
import type { JobRecord, NodeRecord } from '../../../agent/state/records.js';

const NAME = `e2e${process.pid % 10000}`;

describe('end to end: bootstrap a simulated rack (SLOW)', function () {
  this.timeout(600_000);
  let config = '';
  let socket = '';
  let mgmtNetns = '';
  let agent: AgentProcess | undefined;

  const startTheAgent = async (): Promise<AgentProcess> => {
    const a = startAgent({}, ['--config', config], mgmtNetns);
    agent = a;
    await a.waitForLog(isReady, 60_000);
    return a;
  };
  const api = async <T>(method: string, path: string, body?: string): Promise<T> => {
    const r = await call(socket, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return r.json() as T;
  };
  const nodes = async (): Promise<NodeRecord[]> => (await api<{ nodes: NodeRecord[] }>('GET', '/v1/nodes')).nodes.filter((n) => !n.isManagement);
  const job = async (id: string): Promise<JobRecord> => (await api<{ job: JobRecord }>('GET', `/v1/jobs/${id}`)).job;
  /** Submit through the CLI, as an operator does, and return the job id. */
  const submit = async (...flags: string[]): Promise<string> => {
    const r = await runRacker(['bootstrap', '--config', config, '--yes', '--provision', 'flatcar', '--no-wait', ...flags]);
    expect(r.code, r.stderr).to.equal(0);
    const jobs = (await api<{ jobs: JobRecord[] }>('GET', '/v1/jobs')).jobs;
    return (jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1) as JobRecord).id;
  };
  const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; nodes: ${JSON.stringify((await nodes().catch(() => [])).map((n) => [n.hostname, n.phase.name, n.lastError?.message]))}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const finished = (id: string): Promise<JobRecord> => waitFor(`job ${id} to finish`, async () => {
    const j = await job(id);
    return ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(j.state) ? j : undefined;
  }, 300_000);

  before(async function () {
    const skip = await simSkipReason(['qemu-system-x86_64', 'ipmi_sim', 'dnsmasq', 'ignition-validate', 'sq']);
    if (skip !== undefined) this.skip();
    await runSim(['destroy', '--name', NAME]);
    const created = await runSim(['create', '--name', NAME, '--nodes', '2']);
    expect(created.code, created.stderr).to.equal(0);
    config = created.stdout.trim();
    const status = JSON.parse((await runSim(['status', '--name', NAME, '--json'])).stdout) as { mgmtNetns: string };
    mgmtNetns = status.mgmtNetns;
    socket = join(config, '..', '..', 'run', 'agent.sock');
    await startTheAgent();
  });

  after(async () => {
    await agent?.kill('SIGTERM');
    const d = await runSim(['destroy', '--name', NAME]);
    if (d.code !== 0) throw new Error(`destroy failed: ${d.stderr}`);
  });

  it('bootstraps every node to ready through real BMCs, DHCP, TFTP, iPXE and HTTP', async () => {
    const id = await submit('--on-failure', 'exclude');
    const j = await finished(id);
    expect(j.state, j.message).to.equal('succeeded');
    const ns = await nodes();
    expect(ns.map((n) => n.phase.name)).to.deep.equal(['provisioned', 'provisioned']);
    const events = (await readFile(join(config, '..', '..', 'racker-state', 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; node?: string; message: string });
    for (const n of ns) {
      // The agent acted through the BMC, then saw every step of a PXE install on the wire, in order.
      const seen = n.phase.history.map((h) => h.name);
      for (const p of ['bmc-check', 'boot-override', 'power-cycle', 'boot-disk', 'provisioned']) expect(seen, `${n.hostname} phases`).to.include(p);
      const wire = events.filter((e) => e.node === n.mac).map((e) => e.type === 'node.phone-home' ? e.message.replace(/^.* reports (\w+).*$/, 'report $1') : e.type)
        .filter((t) => ['dhcp.ack', 'boot.boot.ipxe', 'boot.ipxe', 'boot.ignition', 'report installed', 'report ready'].includes(t));
      // DHCP events come from dnsmasq's log, which can trail the HTTP requests: present, not ordered.
      expect(wire, `${n.hostname} on the wire`).to.include('dhcp.ack');
      const order = ['boot.boot.ipxe', 'boot.ipxe', 'boot.ignition', 'report installed', 'boot.ignition', 'report ready'];
      let at = 0;
      for (const t of wire) if (t === order[at]) at++;
      expect(at, `${n.hostname} on the wire: ${wire.join(' → ')}`).to.equal(order.length);
      expect(n.power.state).to.equal('on');
    }
    const status = await runRacker(['status', '--config', config, '--json']);
    expect(status.code).to.equal(0);
  });

  it('fails only the node whose BMC is down, in the BMC check, with a hint; the other node is provisioned', async () => {
    const fault = await runSim(['fault', 'node-03', 'bmc-down', '--name', NAME]);
    expect(fault.code, fault.stderr).to.equal(0);
    try {
      const id = await submit('--reprovision', '--on-failure', 'exclude', '--retries', '0');
      const j = await finished(id);
      expect(j.state).to.equal('failed');
      const [ok, down] = await nodes();
      expect(ok?.phase.name).to.equal('provisioned');
      expect(down?.phase.name).to.equal('excluded');
      expect(down?.lastError?.step).to.equal('bmc-check');
      expect(down?.lastError?.message).to.match(/172\.24\.213\.5|BMC|answer/);
      expect(down?.lastError?.hint).to.be.a('string').and.match(/BMC|cable|power|address/i);
      expect(j.message).to.contain('node-03');
    } finally {
      await runSim(['fault', 'node-03', 'clear', '--name', NAME]);
    }
  });

  it('resumes a bootstrap after the agent restarts in the middle of it', async () => {
    const id = await submit('--reprovision', '--on-failure', 'retry');
    // Stop the agent once a node is installing (past its power cycle), then start it again.
    await waitFor('a node to be installing', async () => ((await nodes()).some((n) => ['installing', 'boot-disk', 'reboot'].includes(n.phase.name)) ? true : undefined), 300_000);
    expect(await agent?.kill('SIGTERM')).to.equal(0);
    await startTheAgent();
    const j = await finished(id);
    expect(j.state, j.message).to.equal('succeeded');
    expect((await nodes()).map((n) => n.phase.name)).to.deep.equal(['provisioned', 'provisioned']);
    expect(agent?.logs.some((l) => l.msg === 'resuming a job the agent was running when it stopped')).to.equal(true);
  });
});
