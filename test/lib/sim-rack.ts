/**
 * A simulated rack for end-to-end tests: racker-sim creates it, the real agent runs in its
 * management namespace (stopped by PID), and the test talks to the agent's control socket and to
 * `racker` as an operator would. destroy() removes the rack and everything in it.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { startAgent, isReady, type AgentProcess } from './agent-process.js';
import { call } from './agent-api.js';
import { runRacker } from './run-racker.js';
import { runSim } from './run-sim.js';
import type { JobRecord, NodeRecord } from '../../agent/state/records.js';

export interface RackEvent { type: string; node?: string; message: string }

export class SimRack {
  config = '';
  agent: AgentProcess | undefined;
  private mgmtNetns = '';

  constructor(readonly name: string) {}

  get socket(): string {
    return join(this.config, '..', '..', 'run', 'agent.sock');
  }

  async create(args: readonly string[]): Promise<void> {
    await runSim(['destroy', '--name', this.name]);
    const created = await runSim(['create', '--name', this.name, ...args]);
    expect(created.code, created.stderr).to.equal(0);
    this.config = created.stdout.trim();
    this.mgmtNetns = (JSON.parse((await runSim(['status', '--name', this.name, '--json'])).stdout) as { mgmtNetns: string }).mgmtNetns;
  }

  async startAgent(): Promise<AgentProcess> {
    const a = startAgent({}, ['--config', this.config], this.mgmtNetns);
    this.agent = a;
    await a.waitForLog(isReady, 60_000);
    return a;
  }

  async destroy(): Promise<void> {
    await this.agent?.kill('SIGTERM');
    if (this.config === '') return;
    const d = await runSim(['destroy', '--name', this.name]);
    if (d.code !== 0) throw new Error(`destroy failed: ${d.stderr}`);
  }

  async fault(node: string, ...fault: string[]): Promise<void> {
    const r = await runSim(['fault', node, ...fault, '--name', this.name]);
    expect(r.code, r.stderr).to.equal(0);
  }

  async api<T>(method: string, path: string, body?: string): Promise<T> {
    const r = await call(this.socket, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
    return r.json() as T;
  }

  async nodes(): Promise<NodeRecord[]> {
    return (await this.api<{ nodes: NodeRecord[] }>('GET', '/v1/nodes')).nodes.filter((n) => !n.isManagement);
  }

  async events(): Promise<RackEvent[]> {
    const text = await readFile(join(this.config, '..', '..', 'racker-state', 'events.ndjson'), 'utf8');
    return text.trim().split('\n').map((l) => JSON.parse(l) as RackEvent);
  }

  /** Submit through the CLI, as an operator does, and return the job id. */
  async submit(...flags: string[]): Promise<string> {
    const r = await runRacker(['bootstrap', '--config', this.config, '--yes', '--provision', 'flatcar', '--ssh-key', '', '--no-wait', ...flags]);
    expect(r.code, r.stderr).to.equal(0);
    const jobs = (await this.api<{ jobs: JobRecord[] }>('GET', '/v1/jobs')).jobs;
    return (jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1) as JobRecord).id;
  }

  async waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; nodes: ${JSON.stringify((await this.nodes().catch(() => [])).map((n) => [n.hostname, n.phase.name, n.lastError?.message]))}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  finished(id: string): Promise<JobRecord> {
    return this.waitFor(`job ${id} to finish`, async () => {
      const j = (await this.api<{ job: JobRecord }>('GET', `/v1/jobs/${id}`)).job;
      return ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(j.state) ? j : undefined;
    }, 300_000);
  }
}
