/**
 * Operator journeys end to end on one simulated rack (SLOW: QEMU servers under TCG): the real
 * agent, racker-sim's BMCs and servers, `racker` as the operator types it. racker-sim makes three
 * servers; nodes.csv starts with node-02 only: node-03's row is added later, and the third server
 * (racker-sim's node-04) is the spare that replaces node-03's server in its row.
 *   ssh       `racker factory gen-ssh-key`, then `racker bootstrap --yes` with no --ssh-key: the
 *             plan names the rack key and node-02's installed system has it for user core;
 *   add       node-03's row is appended after node-02 was provisioned; a reload gives it an address
 *             without renumbering node-02, and a plain `racker bootstrap` provisions only node-03;
 *   re-run    a second `racker bootstrap --yes` on the provisioned rack sends no BMC command (the
 *             simulated BMCs log every set), boots nothing (no DHCP or boot request) and says which
 *             nodes it skipped and why; `--dry-run` says the same; `--node node-02 --reprovision`
 *             reinstalls only node-02;
 *   resume    the agent is killed with SIGKILL (with what it started, as systemd's restart of the
 *             unit does) as soon as any node enters a phase not yet covered, and started again, until
 *             every phase has seen a kill; the job finishes, no node fetched its installer Ignition or
 *             reported `installed` twice in it, and no install group is left;
 *   replace   node-03's server is pulled (powered off at its BMC) and row 3 gets the spare's MACs;
 *             after a reload the old server is retired and the event log says which server
 *             replaced which; a plain `racker bootstrap` installs the new server only: node-02 and
 *             the old server get no BMC command and make no boot request;
 *   hardware  node-02 has a 2 GiB USB stick, a 12 GiB data disk holding ext4 and its 20 GiB system
 *             disk; its rule (at least 15 GiB) installed it to the 20 GiB disk and left the data
 *             disk alone; `racker inventory` shows each server's SMBIOS serial and disks as QEMU
 *             has them;
 *   remove    row 3 is deleted; after a reload status no longer lists it, its token is gone,
 *             the event log keeps its history;
 *   hand-over with the agent stopped, `racker factory reset --nodes --yes` leaves none of the rack's
 *             tokens or MACs in the state and configuration trees.
 * One rack for all of them, in this order, because a VM install under TCG is the suite's dearest step:
 * each journey starts from the rack the one before left. The SSH login itself is in sim-bootstrap
 * (servers under systemd); here the key is read from the installed system's disk.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runRacker } from '../../lib/run-racker.js';
import { ipmitool, simSkipReason } from '../../lib/run-sim.js';
import { SimRack, bmcSets, type RackEvent, type SimNode } from '../../lib/sim-rack.js';
import { installedFiles, signatures } from '../../lib/sim-disk.js';
import type { NodeHardware } from '../../../agent/inventory/hardware.js';
import { loadConfig } from '../../../agent/config/load.js';
import { etcFiles, oemFiles, stateFiles } from '../../../agent/config/paths.js';
import type { Config } from '../../../agent/config/schema.js';
import { PHASES } from '../../../agent/state/phases.js';

const PROGRAMS = ['qemu-system-x86_64', 'qemu-img', 'e2fsck', 'debugfs', 'ipmi_sim', 'ipmitool', 'dnsmasq', 'ignition-validate', 'sq', 'ssh-keygen'];

async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    const p = join(e.parentPath, e.name);
    if (e.isFile() && (await readFile(p, 'latin1')).includes(needle)) hits.push(p);
  }
  return hits;
}

/** The SSH keys user core has on a server's installed system (what Ignition wrote under /home/core/.ssh). */
async function coreKeys(server: SimNode): Promise<string> {
  return Object.values(await installedFiles(join(server.dir, 'disk.qcow2'), 'home/core/.ssh')).join('\n');
}

/** Set (or, undefined, remove) node-02's own install-disk settings in the rack's racker.yaml. */
async function setNode02Disk(configPath: string, settings: Record<string, unknown> | undefined): Promise<void> {
  const raw = parse(await readFile(configPath, 'utf8')) as { bootstrap: { nodes?: Record<string, unknown> } };
  const nodes = { ...raw.bootstrap.nodes };
  if (settings === undefined) delete nodes['node-02'];
  else nodes['node-02'] = settings;
  raw.bootstrap.nodes = nodes;
  await writeFile(configPath, stringify(raw));
}

/** A disk as `racker inventory --json` and racker-sim's hardware both describe it, in one order. */
const diskKeys = (disks: readonly string[]): string[] => [...disks].sort();

/** What QEMU gives a server, as racker-sim lists it, and what `racker inventory --json` says about it, side by side. */
async function inventoryVsQemu(rack: SimRack): Promise<{ node: string; qemu: unknown; racker: unknown }[]> {
  const inventory = JSON.parse((await runRacker(['inventory', '--json', '--config', rack.config])).stdout) as { node: string; mac: string; hardware: { current: NodeHardware } | null }[];
  const sims = await rack.simNodes();
  // The management node is in nodes.csv too, but no simulated server.
  return inventory.filter((n) => sims.some((x) => x.primaryMac === n.mac)).map((n) => {
    const q = sims.find((x) => x.primaryMac === n.mac)?.hardware;
    const hw = n.hardware?.current;
    return {
      node: n.node,
      qemu: q === undefined ? null : { vendor: q.vendor, product: q.product, serial: q.serial, uuid: q.uuid, disks: diskKeys(q.disks.map((d) => `${d.sizeGiB} GiB ${d.bus} ${d.serial}`)) },
      racker: hw === undefined ? null : { vendor: hw.system.vendor, product: hw.system.product, serial: hw.system.serial, uuid: hw.system.uuid, disks: diskKeys(hw.disks.map((d) => `${d.sizeBytes / 1024 ** 3} GiB ${d.transport ?? '?'} ${d.serial ?? '?'}`)) },
    };
  });
}

/** The disk the installer wrote last, as the node's console says. */
async function installedTo(server: SimNode): Promise<string | undefined> {
  return [...(await readFile(server.consoleLog ?? join(server.dir, 'console.log'), 'utf8')).matchAll(/racker: installing Flatcar \S+ to (\/dev\/\w+)/g)].at(-1)?.[1];
}

/** Boot-service and TFTP requests attributed to a node (a request means the server booted). */
const bootRequests = (events: readonly RackEvent[], mac: string): number => events.filter((e) => e.node === mac && (e.type.startsWith('boot.') || e.type.startsWith('tftp.'))).length;

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

describe('end to end: operator journeys on one simulated rack: add, re-run, resume, replace, remove, hand-over (SLOW)', function () {
  this.timeout(1_500_000);
  const rack = new SimRack(`jrn${process.pid % 10000}`);
  let config: Config;
  let nodesCsv: string;
  let node03Row = '';
  let servers: Record<string, SimNode> = {};
  let rackKey = '';
  let simNodes: SimNode[] = [];

  before(async function () {
    if (await simSkipReason(PROGRAMS) !== undefined) this.skip();
    // --agent manual: this test edits nodes.csv and runs the checkout's agent itself.
    // node-02 also has a 12 GiB disk holding ext4; its own rule installs it to its 20 GiB disk.
    await rack.create(['--nodes', '3', '--agent', 'manual', '--data-disk', 'node-02']);
    // Shorter waits than a real rack needs, so that a node that lost its boot to a kill (resume) is
    // escalated (power off and on) within the test's time; the installer and the installed system keep long ones.
    const raw = parse(await readFile(rack.config, 'utf8')) as { bootstrap: Record<string, unknown> };
    raw.bootstrap.deadlines = { dhcpSeconds: 90, bootIpxeSeconds: 60, ipxeSeconds: 60, kernelSeconds: 90, installIgnitionSeconds: 120, installedSeconds: 600, rebootSeconds: 300, readySeconds: 300 };
    await writeFile(rack.config, stringify(raw));
    await setNode02Disk(rack.config, { installDisk: { minSizeGiB: 15 } });
    config = await loadConfig({ flag: rack.config });
    nodesCsv = oemFiles(config.paths.oemDir).nodesCsv;
    const lines = (await readFile(nodesCsv, 'utf8')).split('\n');
    node03Row = lines.at(-3) ?? ''; // node-03; node-04's row (the spare server) goes too
    await writeFile(nodesCsv, `${lines.slice(0, -3).join('\n')}\n`);
    servers = Object.fromEntries((await rack.simNodes()).map((n) => [n.name, n]));
    simNodes = [servers['node-02'] as SimNode, servers['node-03'] as SimNode];
    await rack.startAgent();
  });
  after(() => rack.destroy());

  const reload = (): Promise<unknown> => rack.api('POST', '/v1/reload');

  it('ssh: the rack key from `racker factory gen-ssh-key` is what `racker bootstrap --yes` gives user core', async () => {
    const gen = await runRacker(['factory', 'gen-ssh-key', '--config', rack.config]);
    expect(gen.code, gen.stderr).to.equal(0);
    rackKey = (await readFile(etcFiles(config.paths.etcDir).sshPublicKey, 'utf8')).trim();
    expect(rackKey).to.match(/^ssh-ed25519 \S+/);
    const comment = rackKey.split(' ')[2] ?? '';
    // No --ssh-key: the operator takes the default, which the plan shows.
    const dry = await runRacker(['bootstrap', '--config', rack.config, '--yes', '--provision', 'flatcar', '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout.split('\n').find((l) => /^ +ssh keys /.test(l)), 'the plan names the rack key').to.contain(comment);
    const run = await rack.bootstrap('--on-failure', 'exclude');
    expect(`${run.stdout}${run.stderr}`).to.not.match(/no SSH key/);
    const first = await rack.finished(run.id);
    expect(first.state, first.message).to.equal('succeeded');
    expect((await rack.nodes()).map((n) => [n.hostname, n.phase.name])).to.deep.equal([['node-02', 'provisioned']]);
    expect(await coreKeys(servers['node-02'] as SimNode), 'core\'s keys on node-02\'s installed system').to.contain(rackKey.split(' ').slice(0, 2).join(' '));
  });

  it('add: a row appended gets an address without renumbering anyone, and a plain bootstrap provisions only it', async () => {
    const [node02] = await rack.nodes();
    expect(node02?.phase.name).to.equal('provisioned');
    const cycles = node02?.phase.history.filter((h) => h.name === 'power-cycle').length;

    await writeFile(nodesCsv, `${await readFile(nodesCsv, 'utf8')}${node03Row}\n`);
    await reload();
    const added = await rack.nodes();
    expect(added.map((n) => [n.hostname, n.phase.name])).to.deep.equal([['node-02', 'provisioned'], ['node-03', 'new']]);
    expect(added[0]?.address).to.equal(node02?.address);
    expect(added[1]?.address).to.be.a('string');

    // The operator's defaults again (a saved `--ssh-key ''` would be the answer of every later run).
    const second = await rack.finished((await rack.bootstrap('--on-failure', 'exclude')).id);
    expect(second.state, second.message).to.equal('succeeded');
    const after = await rack.nodes();
    expect(after.map((n) => n.phase.name)).to.deep.equal(['provisioned', 'provisioned']);
    // node-02 was not touched again (needs the re-run fix).
    expect(after[0]?.phase.history.filter((h) => h.name === 'power-cycle').length).to.equal(cycles);
  });

  // From here on the operator's defaults (rack.bootstrap): a saved `--ssh-key ''` would be the answer of every later run.
  it('re-run: a second bootstrap touches no BMC, boots no node, and names the nodes it skipped and why; --dry-run says the same', async () => {
    const setsBefore = await bmcSets(simNodes);
    const wireBefore = (await rack.events()).filter(isWire).length;
    const dry = await runRacker(['bootstrap', '--config', rack.config, '--yes', '--provision', 'flatcar', '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.match(/0 to provision, 2 skipped/).and.match(/node-02: skipped: already provisioned by job/).and.match(/node-03: skipped: already provisioned by job/);

    const j = await rack.finished((await rack.bootstrap()).id);
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
    const j = await rack.finished((await rack.bootstrap('--node', 'node-02', '--reprovision', '--on-failure', 'retry')).id);
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
      const { id } = await rack.bootstrap('--reprovision', '--on-failure', 'retry', '--retries', '2');
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
    const groups = await readdir(join(config.paths.stateDir, 'matchbox', 'groups')).catch(() => [] as string[]);
    expect(groups.filter((g) => g.startsWith('racker-install-')), 'install groups left').to.deep.equal([]);
  });

  it('replace: new MACs in node-03\'s row retire the old server and install the new one; node-02 and the old server are untouched', async () => {
    const old = servers['node-03'] as SimNode;
    const spare = servers['node-04'] as SimNode;
    const node02 = servers['node-02'] as SimNode;
    const [rec02, rec03] = await rack.nodes();
    expect(rec03?.mac).to.equal(old.primaryMac);
    // The old server leaves the rack: off at its BMC, as pulling it would leave it.
    const password = (await readFile(oemFiles(config.paths.oemDir).ipmiPassword, 'utf8')).trim();
    const off = await ipmitool(rack.mgmtNetns, (await rack.simNodes()).find((n) => n.name === 'node-03')?.bmcAddress ?? '', password, ['chassis', 'power', 'off']);
    expect(off.code, off.stderr).to.equal(0);
    const setsBefore = await bmcSets([node02, old]);
    const eventsBefore = await rack.events();
    const cycles02 = rec02?.phase.history.filter((h) => h.name === 'power-cycle').length;

    // Same row, new server: the technician types the new MACs over the old ones.
    const newRow = [spare.primaryMac, spare.bmcMac, spare.secondaryMac, ...node03Row.split(',').slice(3).map((c) => c.trim())].join(', ');
    await writeFile(nodesCsv, (await readFile(nodesCsv, 'utf8')).replace(node03Row, newRow));
    node03Row = newRow;
    await reload();
    const replaced = await rack.nodes();
    expect(replaced.map((n) => [n.hostname, n.mac, n.phase.name])).to.deep.equal([['node-02', node02.primaryMac, 'provisioned'], ['node-03', spare.primaryMac, 'new']]);
    const told = `node-03 (${spare.primaryMac}) replaces node-03 (${old.primaryMac}) in row 3: a new server`;
    expect((await rack.events()).map((e) => e.message)).to.include(told);
    const full = await runRacker(['status', '--full', '--config', rack.config]);
    expect(full.stdout, 'racker status --full shows the replacement').to.contain(told);
    const tokens = JSON.parse(await readFile(stateFiles(config.paths.stateDir).phoneHomeTokens, 'utf8').catch(() => '{}')) as Record<string, unknown>;
    expect(Object.keys(tokens)).to.not.include(old.primaryMac);
    expect(await filesContaining(join(config.paths.stateDir, 'matchbox'), old.primaryMac), 'boot data of the old server').to.deep.equal([]);

    const run = await rack.bootstrap('--on-failure', 'exclude');
    const j = await rack.finished(run.id);
    expect(j.state, j.message).to.equal('succeeded');
    expect(j.message).to.match(/^1 ready, 0 failed, 0 excluded, 1 skipped \(node-02: already provisioned/);
    const after = await rack.nodes();
    expect(after.map((n) => [n.hostname, n.mac, n.phase.name])).to.deep.equal([['node-02', node02.primaryMac, 'provisioned'], ['node-03', spare.primaryMac, 'provisioned']]);
    // Untouched: no BMC command to node-02 or the old server, no power cycle, no boot of either.
    expect(await bmcSets([node02, old]), 'BMC commands to node-02 and the old server').to.deep.equal(setsBefore);
    expect(after[0]?.phase.history.filter((h) => h.name === 'power-cycle').length).to.equal(cycles02);
    const events = await rack.events();
    const since = events.slice(eventsBefore.length);
    expect([bootRequests(since, node02.primaryMac), bootRequests(since, old.primaryMac)], 'boot requests of node-02 and the old server').to.deep.equal([0, 0]);
    // The new server was installed once, and got the rack key.
    const installs = since.filter((e) => e.node === spare.primaryMac && e.type === 'boot.ignition' && !e.message.includes('os=installed') && / → 200/.test(e.message));
    expect(installs).to.have.length(1);
    expect((await bmcSets([spare]))['node-04'], 'the new server\'s BMC was driven').to.not.deep.equal([]);
    expect(await coreKeys(spare), 'core\'s keys on the new server').to.contain(rackKey.split(' ').slice(0, 2).join(' '));
  });

  it('hardware: racker inventory shows each server\'s SMBIOS serial and disks as QEMU has them; node-02\'s rule installed it to its 20 GiB disk, its data disk untouched', async () => {
    const seen = await inventoryVsQemu(rack);
    expect(seen.map((n) => n.node)).to.deep.equal(['node-02', 'node-03']);
    for (const n of seen) expect(n.racker, n.node).to.deep.equal(n.qemu);
    const node02 = (await rack.simNodes()).find((n) => n.name === 'node-02') as SimNode;
    expect(node02.hardware?.disks.map((d) => `${d.slot} ${d.sizeGiB}`)).to.deep.equal(['system 20', 'usb 2', 'data 12']);
    expect(await installedTo(node02)).to.equal('/dev/vda');
    expect(await signatures(join(node02.dir, 'data.img')), 'the data disk as it came').to.equal('LABEL=data\nTYPE=ext4');
  });

  it('remove: a row deleted is retired; status no longer lists it; the event log keeps its history', async () => {
    const node03 = (await rack.nodes())[1];
    await writeFile(nodesCsv, (await readFile(nodesCsv, 'utf8')).replace(`${node03Row}\n`, ''));
    await reload();
    expect((await rack.nodes()).map((n) => n.hostname)).to.deep.equal(['node-02']);
    const status = await runRacker(['status', '--config', rack.config]);
    expect(status.stdout).to.not.contain(node03?.mac);
    const tokens = JSON.parse(await readFile(stateFiles(config.paths.stateDir).phoneHomeTokens, 'utf8')) as Record<string, string>;
    expect(Object.keys(tokens)).to.not.include(node03?.mac);
    const told = (await rack.events()).filter((e) => e.node === node03?.mac).map((e) => e.type);
    expect(told).to.include('node.removed').and.include('node.phase');
  });

  it('hand-over: factory reset --nodes leaves none of the rack\'s tokens or MACs', async () => {
    const tokens = Object.values(JSON.parse(await readFile(stateFiles(config.paths.stateDir).phoneHomeTokens, 'utf8')) as Record<string, string>);
    // Every server the rack had: node-02, the replaced node-03 and its replacement.
    const macs = Object.values(servers).map((n) => n.primaryMac);
    expect(tokens).to.have.length.greaterThan(0);
    expect(await rack.agent?.kill('SIGTERM')).to.equal(0);
    const r = await runRacker(['factory', 'reset', '--nodes', '--yes', '--config', rack.config]);
    expect(r.code, r.stderr).to.equal(0);
    for (const tree of [config.paths.stateDir, config.paths.etcDir]) {
      for (const t of tokens) expect(await filesContaining(tree, t), 'a token left').to.deep.equal([]);
    }
    for (const m of macs) expect(await filesContaining(config.paths.stateDir, m), `${m} left`).to.deep.equal([]);
  });
});
