/**
 * A simulated rack for end-to-end tests, as an operator has it: racker-sim creates it with its
 * management node under real systemd (the payload installed by installer/extract, racker-agent.service
 * started by systemd), and the test acts as an operator logged into that node would: `racker …`,
 * `systemctl …` and `journalctl …` through `racker-sim exec`, and the agent's control socket
 * (reached through the node's root). A rack made with `--agent manual` has no such node: the test
 * runs the checkout's agent in the management namespace (startAgent, stopped by PID) and racker with
 * --config. destroy() removes the rack and everything in it.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { call } from './agent-api.js';
import { startAgent, isReady, type AgentProcess } from './agent-process.js';
import { runRacker } from './run-racker.js';
import { runSim, type SimRunResult } from './run-sim.js';
import type { JobRecord, NodeRecord } from '../../agent/state/records.js';
import type { SimHardware } from '../../sim/hardware.js';
import { waitUntil } from '../../agent/lib/backoff.js';

/** A simulated server as `racker-sim status --json` lists it. */
export interface SimNode { name: string; dir: string; primaryMac: string; bmcMac: string; secondaryMac: string; bmcAddress?: string; consoleLog?: string; hardware?: SimHardware }

/** Every BMC `set` (power, reset, boot device) the simulated BMCs received, per node (racker-sim logs them in the node's events file). */
export async function bmcSets(nodes: readonly SimNode[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const n of nodes) out[n.name] = (await readFile(join(n.dir, 'events'), 'utf8').catch(() => '')).split('\n').filter((l) => l.includes(' set '));
  return out;
}

export interface RackEvent { type: string; node?: string; message: string; at: string; data?: { hint?: string } }

interface MgmtNodeStatus { root: string; pid1: number }

/** What a unit's sandbox causes, as the kernel, Node.js or systemd word it (status=31/SYS: killed by seccomp). */
export const SANDBOX_DENIALS = /EROFS|EACCES|SIGSYS|Read-only file system|Permission denied|Bad system call|status=31\/SYS/;

export class SimRack {
  config = '';
  mgmtNetns = '';
  node: MgmtNodeStatus | undefined;
  /** The checkout's agent, for racks made with --agent manual. */
  agent: AgentProcess | undefined;

  constructor(readonly name: string) {}

  private get mgmt(): MgmtNodeStatus {
    if (this.node === undefined) throw new Error(`rack ${this.name} has no management node`);
    return this.node;
  }

  /** The agent's control socket, reached through the node's root as the host sees it. */
  get socket(): string {
    if (this.node === undefined) return join(this.config, '..', '..', 'run', 'agent.sock');
    return join('/proc', String(this.mgmt.pid1), 'root', 'run', 'racker', 'agent.sock');
  }

  /** The node's root on this machine (its /var/lib/racker, /opt/racker, …). */
  get root(): string {
    return this.mgmt.root;
  }

  async create(args: readonly string[]): Promise<void> {
    await runSim(['destroy', '--name', this.name]);
    const created = await runSim(['create', '--name', this.name, ...args], {}, 900_000);
    expect(created.code, created.stderr).to.equal(0);
    this.config = created.stdout.trim();
    const status = JSON.parse((await runSim(['status', '--name', this.name, '--json'])).stdout) as { mgmtNetns: string; mgmtNode?: MgmtNodeStatus };
    this.mgmtNetns = status.mgmtNetns;
    this.node = status.mgmtNode;
  }

  /** --agent manual: run the checkout's agent in the management namespace. */
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

  /** A command inside the management node (racker-sim exec). */
  exec(...argv: string[]): Promise<SimRunResult> {
    return runSim(['exec', '--name', this.name, '--', ...argv], {}, 600_000);
  }

  /** The agent's journal inside the node (`journalctl -u racker-agent`, extra flags such as `-p err`). */
  async journal(...flags: string[]): Promise<string> {
    const r = await this.exec('journalctl', '--no-pager', '--quiet', '-o', 'cat', '-u', 'racker-agent', ...flags);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  }

  /**
   * Lines of the node's whole journal (every unit: the agent, dnsmasq, systemd itself; `flags` such
   * as `--since`) that show a unit's sandbox refusing something.
   */
  async sandboxDenials(...flags: string[]): Promise<string[]> {
    const r = await this.exec('journalctl', '--no-pager', '-o', 'cat', ...flags);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout.split('\n').filter((l) => SANDBOX_DENIALS.test(l));
  }

  /** The simulated servers (racker-sim status). */
  async simNodes(): Promise<SimNode[]> {
    return (JSON.parse((await runSim(['status', '--name', this.name, '--json'])).stdout) as { nodes: SimNode[] }).nodes;
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
    const stateDir = this.node === undefined ? join(this.config, '..', '..', 'racker-state') : join(this.root, 'var', 'lib', 'racker');
    const text = await readFile(join(stateDir, 'events.ndjson'), 'utf8');
    return text.trim().split('\n').map((l) => JSON.parse(l) as RackEvent);
  }

  /** Submit through the CLI on the management node, as an operator does, and return the job id (no SSH key unless flags give one). */
  async submit(...flags: string[]): Promise<string> {
    return (await this.bootstrap(...(flags.includes('--ssh-key') ? [] : ['--ssh-key', '']), ...flags)).id;
  }

  /** `racker bootstrap --yes --no-wait` with the operator's defaults for what FLAGS leave out (the SSH key: the rack key); the job id and what the CLI printed. */
  async bootstrap(...flags: string[]): Promise<{ id: string; stdout: string; stderr: string }> {
    const args = ['--yes', '--provision', 'flatcar', '--no-wait', ...flags];
    const r = this.node === undefined ? await runRacker(['bootstrap', '--config', this.config, ...args]) : await this.exec('racker', 'bootstrap', ...args);
    expect(r.code, r.stderr).to.equal(0);
    const jobs = (await this.api<{ jobs: JobRecord[] }>('GET', '/v1/jobs')).jobs;
    return { id: (jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1) as JobRecord).id, stdout: r.stdout, stderr: r.stderr };
  }

  async waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const v = await waitUntil(check, { intervalMs: 1000, timeoutMs });
    if (v !== undefined) return v;
    throw new Error(`timed out waiting for ${what}; nodes: ${JSON.stringify((await this.nodes().catch(() => [])).map((n) => [n.hostname, n.phase.name, n.lastError?.message]))}`);
  }

  finished(id: string): Promise<JobRecord> {
    return this.waitFor(`job ${id} to finish`, async () => {
      const j = (await this.api<{ job: JobRecord }>('GET', `/v1/jobs/${id}`).catch(() => undefined))?.job;
      return j !== undefined && ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(j.state) ? j : undefined;
    }, 420_000);
  }
}
