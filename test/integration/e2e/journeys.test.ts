/**
 * Operator journeys end to end on one simulated rack (SLOW: QEMU under TCG): the real agent started
 * as the product starts it (`racker agent --config …` in the management namespace), real BMCs,
 * dnsmasq, iPXE and the boot service.
 *
 * 1. Re-run: a second `racker bootstrap --yes` on a provisioned rack sends no BMC command (the
 *    simulated BMCs log every set) and boots nothing (no DHCP or boot request), and says which nodes
 *    it skipped and why; `--dry-run` says the same; `--node X --reprovision` reinstalls only X.
 * 2. Resume: the agent is killed with SIGKILL (with what it started, as systemd's restart of the
 *    unit does) as soon as any node enters a phase not yet covered, and started again, until every
 *    phase has seen a kill; the job finishes, and no node fetched its installer Ignition or reported
 *    `installed` twice in it, and no install group is left.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runRacker } from '../../lib/run-racker.js';
import { simSkipReason } from '../../lib/run-sim.js';
import { SimRack, bmcSets, type RackEvent, type SimNode } from '../../lib/sim-rack.js';
import { PHASES } from '../../../agent/state/phases.js';

const PROGRAMS = ['qemu-system-x86_64', 'ipmi_sim', 'dnsmasq', 'ignition-validate', 'sq'];

/** Network events (DHCP and boot requests) and phone-home reports in the agent's event log. */
const isWire = (e: RackEvent): boolean => e.type === 'dhcp.ack' || e.type.startsWith('boot.') || e.type.startsWith('tftp.') || e.type === 'node.phone-home';

/** The PIDs of a process and everything it started (read from /proc), so that a kill takes them all, as systemd's does. */
async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isNaN(ppid)) parents.set(ppid, [...(parents.get(ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  const walk = (p: number): void => { out.push(p); for (const c of parents.get(p) ?? []) walk(c); };
  walk(pid);
  return out;
}

describe('end to end: re-run and resume on a simulated rack (SLOW)', function () {
  this.timeout(1_500_000);
  const rack = new SimRack(`rsm${process.pid % 10000}`);
  let simNodes: SimNode[] = [];
  const stateDir = (): string => join(rack.config, '..', '..', 'racker-state');

  before(async function () {
    if (await simSkipReason(PROGRAMS) !== undefined) this.skip();
    // --agent manual: this test kills and restarts the checkout's agent itself.
    await rack.create(['--nodes', '2', '--agent', 'manual']);
    // Shorter waits than a real rack needs, so that a node that lost its boot to the kill is escalated
    // (power off and on) within the test's time; the installer and the installed system keep long ones.
    const config = parse(await readFile(rack.config, 'utf8')) as { bootstrap: Record<string, unknown> };
    config.bootstrap.deadlines = { dhcp: 90, bootIpxe: 60, ipxe: 60, kernel: 90, installIgnition: 120, installed: 600, reboot: 300, ready: 300 };
    await writeFile(rack.config, stringify(config));
    simNodes = await rack.simNodes();
    await rack.startAgent();
    const j = await rack.finished(await rack.submit('--on-failure', 'retry'));
    expect(j.state, j.message).to.equal('succeeded');
  });
  after(() => rack.destroy());

  it('re-run: a second bootstrap touches no BMC, boots no node, and names the nodes it skipped and why; --dry-run says the same', async () => {
    const setsBefore = await bmcSets(simNodes);
    const wireBefore = (await rack.events()).filter(isWire).length;
    const dry = await runRacker(['bootstrap', '--config', rack.config, '--yes', '--provision', 'flatcar', '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.match(/0 to provision, 2 skipped/).and.match(/node-02: skipped: already provisioned by job/).and.match(/node-03: skipped: already provisioned by job/);

    const j = await rack.finished(await rack.submit());
    expect(j.state, j.message).to.equal('succeeded');
    expect(j.message).to.match(/^0 ready, 0 failed, 0 excluded, 2 skipped \(node-02, node-03: already provisioned/);
    expect(j.progress).to.include({ total: 2, ready: 0, skipped: 2 });
    expect(await bmcSets(simNodes), 'BMC commands during the re-run').to.deep.equal(setsBefore);
    const events = await rack.events();
    expect(events.filter(isWire).slice(wireBefore).map((e) => `${e.type} ${e.message}`), 'DHCP/boot requests during the re-run').to.deep.equal([]);
    expect(events.filter((e) => e.type === 'node.skipped').slice(-2).map((e) => e.message)).to.satisfy((m: string[]) => m.every((x) => /skipped by job .*: already provisioned/.test(x)));
    expect((await rack.nodes()).map((n) => n.phase.name)).to.deep.equal(['provisioned', 'provisioned']);
  });

  it('re-run: --node node-02 --reprovision reinstalls node-02 only', async () => {
    const setsBefore = await bmcSets(simNodes);
    const j = await rack.finished(await rack.submit('--node', 'node-02', '--reprovision', '--on-failure', 'retry'));
    expect(j.state, j.message).to.equal('succeeded');
    expect(j.progress).to.include({ total: 1, ready: 1 });
    expect(j.message).to.match(/^1 ready, 0 failed, 0 excluded$/);
    const sets = await bmcSets(simNodes);
    expect(sets['node-03'], 'node-03 BMC untouched').to.deep.equal(setsBefore['node-03']);
    expect((sets['node-02'] ?? []).length).to.be.greaterThan((setsBefore['node-02'] ?? []).length);
    const installs = (await rack.events()).filter((e) => e.type === 'boot.ignition' && !e.message.includes('os=installed') && / → 200/.test(e.message));
    const [n2, n3] = await rack.nodes();
    expect(n2?.phase.job).to.equal((await rack.api<{ jobs: { id: string; createdAt: string }[] }>('GET', '/v1/jobs')).jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1)?.id);
    expect(installs.filter((e) => e.node === n3?.mac), 'node-03 installed once in all (the first bootstrap)').to.have.length(1);
  });

  it('resume: SIGKILL at every phase, restarted as the product starts it; the job finishes and no node installs twice', async () => {
    const covered = new Set<string>();
    const wanted: string[] = PHASES.filter((p) => p !== 'joined');
    let kills = 0;
    for (let run = 0; run < 3 && wanted.some((p) => !covered.has(p)); run++) {
      const start = (await rack.events()).length;
      const id = await rack.submit('--reprovision', '--on-failure', 'retry', '--retries', '2');
      for (;;) {
        // Watch the event log for a node entering a phase no kill has hit yet; kill at once.
        const events = (await rack.events()).slice(start);
        const job = (await rack.api<{ job: { state: string } }>('GET', `/v1/jobs/${id}`)).job;
        if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.state)) break;
        const hit = events.filter((e) => e.type === 'node.phase').map((e) => (e as RackEvent & { data?: { phase?: string } }).data?.phase ?? '').find((p) => wanted.includes(p) && !covered.has(p));
        if (hit === undefined) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const pid = rack.agent?.child.pid as number;
        const tree = await processTree(pid);
        for (const p of tree) { try { process.kill(p, 'SIGKILL'); } catch { /* gone already */ } }
        await rack.agent?.exited;
        covered.add(hit);
        kills++;
        await rack.startAgent();
      }
      const j = await rack.finished(id);
      expect(j.state, `run ${run}: ${j.message ?? ''}`).to.equal('succeeded');
      // Per job: each node fetched its installer Ignition and reported installed exactly once.
      const events = (await rack.events()).slice(start);
      for (const n of await rack.nodes()) {
        const fetched = events.filter((e) => e.node === n.mac && e.type === 'boot.ignition' && !e.message.includes('os=installed') && / → 200/.test(e.message));
        const reported = events.filter((e) => e.node === n.mac && e.type === 'node.phone-home' && / reports installed/.test(e.message));
        expect([n.hostname, fetched.length, reported.length], `run ${run}: installs of ${n.hostname}`).to.deep.equal([n.hostname, 1, 1]);
        expect(n.phase.name).to.equal('provisioned');
      }
    }
    expect([...covered].sort(), `phases a kill hit (${kills} kills)`).to.deep.equal([...wanted].sort());
    const groups = await readdir(join(stateDir(), 'matchbox', 'groups')).catch(() => [] as string[]);
    expect(groups.filter((g) => g.startsWith('racker-install-')), 'install groups left').to.deep.equal([]);
  });
});
