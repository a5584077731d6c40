/**
 * Operator journeys end to end on one simulated rack (SLOW: QEMU servers under TCG): the real
 * agent, racker-sim's BMCs and servers, `racker` as the operator types it. racker-sim makes three
 * servers; nodes.csv starts with node-02 only: node-03's row is added later, and the third server
 * (racker-sim's node-04) is the spare that replaces node-03's server in its row.
 *   ssh       `racker factory gen-ssh-key`, then `racker bootstrap --yes` with no --ssh-key: the
 *             plan names the rack key and node-02's installed system has it for user core;
 *   add       node-03's row is appended after node-02 was provisioned; a reload gives it an address
 *             without renumbering node-02, and a plain `racker bootstrap` provisions only node-03;
 *   replace   node-03's server is pulled (powered off at its BMC) and row 3 gets the spare's MACs;
 *             after a reload the old server is retired and the event log says which server
 *             replaced which; a plain `racker bootstrap` installs the new server only: node-02 and
 *             the old server get no BMC command and make no boot request;
 *   remove    row 3 is deleted; after a reload status no longer lists it, its token is gone,
 *             the event log keeps its history;
 *   hardware  node-02 has a 2 GiB USB stick, a 12 GiB data disk holding ext4 and its 20 GiB system
 *             disk; its rule (at least 15 GiB) installed it to the 20 GiB disk and left the data
 *             disk alone; `racker inventory` shows each server's SMBIOS serial and disks as QEMU
 *             has them;
 *   disks     node-02's USB stick is replaced (racker-sim disk) and a reprovision with the rule
 *             `maxSizeGiB: 15` and wipe all-disks-metadata installs to the data disk: the change is
 *             a warning event and in status --full, and the host finds no signature left on the
 *             system disk's image; then node-02 leaves nodes.csv and comes back (racker no longer
 *             knows it installed it): the default rule picks the data disk, which holds a file
 *             system, and the installer refuses it with the disk table and the rule; --wipe installs;
 *   hand-over with the agent stopped, `racker factory reset --nodes --yes` leaves none of the rack's
 *             tokens or MACs in the state and configuration trees.
 * The SSH login itself needs an sshd in the servers' OS (the busybox stand-in has none): here the
 * key is read from the installed system's disk.
 */
import { expect } from 'chai';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRacker } from '../../lib/run-racker.js';
import { ipmitool, simSkipReason } from '../../lib/run-sim.js';
import { runSim } from '../../lib/run-sim.js';
import { SimRack, bmcSets, type RackEvent, type SimNode } from '../../lib/sim-rack.js';
import { installedFiles, signatures } from '../../lib/sim-disk.js';
import { parseDocument } from 'yaml';
import type { NodeHardware } from '../../../agent/inventory/hardware.js';
import { loadConfig } from '../../../agent/config/load.js';
import { etcFiles, oemFiles, stateFiles } from '../../../agent/config/paths.js';
import type { Config } from '../../../agent/config/schema.js';

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
  const doc = parseDocument(await readFile(configPath, 'utf8'));
  if (settings === undefined) doc.deleteIn(['bootstrap', 'nodes', 'node-02']);
  else doc.setIn(['bootstrap', 'nodes', 'node-02'], settings);
  await writeFile(configPath, doc.toString());
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

describe('end to end: add, remove, hand-over on one simulated rack (SLOW)', function () {
  this.timeout(1_200_000);
  const rack = new SimRack(`jrn${process.pid % 10000}`);
  let config: Config;
  let nodesCsv: string;
  let node03Row = '';
  let servers: Record<string, SimNode> = {};
  let rackKey = '';

  before(async function () {
    if (await simSkipReason(PROGRAMS) !== undefined) this.skip();
    // --agent manual: this test edits nodes.csv and runs the checkout's agent itself.
    // node-02 also has a 12 GiB disk holding ext4; its own rule installs it to its 20 GiB disk.
    await rack.create(['--nodes', '3', '--agent', 'manual', '--data-disk', 'node-02']);
    await setNode02Disk(rack.config, { installDisk: { minSizeGiB: 15 } });
    config = await loadConfig({ flag: rack.config });
    nodesCsv = oemFiles(config.paths.oemDir).nodesCsv;
    const lines = (await readFile(nodesCsv, 'utf8')).split('\n');
    node03Row = lines.at(-3) ?? ''; // node-03; node-04's row (the spare server) goes too
    await writeFile(nodesCsv, `${lines.slice(0, -3).join('\n')}\n`);
    servers = Object.fromEntries((await rack.simNodes()).map((n) => [n.name, n]));
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

  it('disks: a replaced USB stick is a hardware change; a reprovision with all-disks-metadata leaves no signature on the other disks', async () => {
    const node02 = (await rack.simNodes()).find((n) => n.name === 'node-02') as SimNode;
    const oldUsb = node02.hardware?.disks.find((d) => d.slot === 'usb')?.serial;
    // A technician swaps the USB stick with the server off.
    const password = (await readFile(oemFiles(config.paths.oemDir).ipmiPassword, 'utf8')).trim();
    const off = await ipmitool(rack.mgmtNetns, node02.bmcAddress ?? '', password, ['chassis', 'power', 'off']);
    expect(off.code, off.stderr).to.equal(0);
    await rack.waitFor('node-02 to be off', async () => ((await rack.simNodes()).find((n) => n.name === 'node-02') as { vm?: string }).vm === 'stopped' ? true : undefined, 60_000);
    const swap = await runSim(['disk', 'node-02', 'replace', 'usb', '--name', rack.name]);
    expect(swap.code, swap.stderr).to.equal(0);
    const newUsb = (await rack.simNodes()).find((n) => n.name === 'node-02')?.hardware?.disks.find((d) => d.slot === 'usb')?.serial;
    expect(newUsb).to.not.equal(oldUsb);
    // Reinstall onto the data disk, erasing every other fixed disk's metadata.
    await setNode02Disk(rack.config, { installDisk: { maxSizeGiB: 15 }, wipe: 'all-disks-metadata' });
    await reload();
    const j = await rack.finished((await rack.bootstrap('--node', 'node-02', '--reprovision', '--on-failure', 'exclude')).id);
    expect(j.state, j.message).to.equal('succeeded');
    expect(await installedTo(node02)).to.equal('/dev/vdb');
    const installed = (await rack.events()).filter((e) => e.node === node02.primaryMac && e.type === 'node.phone-home' && e.message.includes('reports installed')).at(-1);
    expect(installed?.message).to.match(/installed to \/dev\/vdb, signatures erased on \/dev\/vdb \/dev\/vda$/);
    // From the host: the system disk (which held the first install) has no signature left; the
    // USB stick (not a fixed disk) was not touched and is blank as it came.
    expect(await signatures(join(node02.dir, 'disk.qcow2')), 'system disk').to.equal('');
    expect(await signatures(join(node02.dir, 'usb.qcow2')), 'USB stick').to.equal('');
    expect(await signatures(join(node02.dir, 'data.img')), 'the data disk now holds the install').to.equal('LABEL=OEM\nTYPE=ext4');
    // The inspection of this run saw the new stick: a warning, and in status --full.
    const changed = (await rack.events()).filter((e) => e.node === node02.primaryMac && e.type === 'node.hardware-changed');
    expect(changed.map((e) => e.message), 'hardware-changed events').to.have.length(1);
    expect(changed[0]?.message).to.contain(`serial ${oldUsb ?? '?'}) gone`).and.contain(`serial ${newUsb ?? '?'}) new`);
    const full = await runRacker(['status', '--full', '--config', rack.config]);
    expect(full.stdout).to.match(new RegExp(`WARNING: hardware changed \\d+[smhd] ago: .*${newUsb ?? '?'}`));
    const seen = await inventoryVsQemu(rack);
    for (const n of seen) expect(n.racker, n.node).to.deep.equal(n.qemu);
  });

  it('disks: a server racker does not know is refused when the rule picks a disk holding a file system, with the disk table and the rule; --wipe installs', async () => {
    const node02 = (await rack.simNodes()).find((n) => n.name === 'node-02') as SimNode;
    // node-02 leaves nodes.csv and comes back, without its own settings: racker forgets it installed it.
    const withRow = await readFile(nodesCsv, 'utf8');
    const row = withRow.split('\n').find((l) => l.startsWith(node02.primaryMac)) ?? '';
    expect(row).to.not.equal('');
    await writeFile(nodesCsv, withRow.replace(`${row}\n`, ''));
    await setNode02Disk(rack.config, undefined);
    await reload();
    await writeFile(nodesCsv, withRow);
    await reload();
    expect((await rack.nodes()).map((n) => [n.hostname, n.phase.name, n.installedAt ?? null])).to.deep.equal([['node-02', 'new', null]]);

    const refused = await rack.finished((await rack.bootstrap('--on-failure', 'exclude')).id);
    expect(refused.state).to.not.equal('succeeded');
    const [n] = await rack.nodes();
    expect(n?.lastError?.step).to.equal('installing');
    const rule = 'rule: at least 10 GiB, not USB or removable, the smallest such disk';
    expect(n?.lastError?.message).to.contain(`install disk: /dev/vdb (12.0G) holds file systems (vdb:ext4) and racker never installed this node - ${rule}`);
    expect(n?.lastError?.message, 'the disk table').to.match(/\/dev\/sda +2\.0G +usb .* USB[ |]+\/dev\/vda +20\.0G +virtio .* matches[ |]+\/dev\/vdb +12\.0G +virtio .* vdb:ext4 +PICKED/);
    expect(n?.lastError?.hint).to.contain('--wipe').and.contain('racker inventory');
    const full = await runRacker(['status', '--full', '--config', rack.config]);
    expect(full.stdout).to.contain(rule);
    // Nothing was written: the data disk still holds the install of the run before.
    expect(await signatures(join(node02.dir, 'data.img'))).to.equal('LABEL=OEM\nTYPE=ext4');

    const wiped = await rack.finished((await rack.bootstrap('--wipe', '--on-failure', 'exclude')).id);
    expect(wiped.state, wiped.message).to.equal('succeeded');
    expect((await rack.nodes()).map((x) => [x.hostname, x.phase.name])).to.deep.equal([['node-02', 'provisioned']]);
    expect(await installedTo(node02)).to.equal('/dev/vdb');
    const installed = (await rack.events()).filter((e) => e.node === node02.primaryMac && e.type === 'node.phone-home' && e.message.includes('reports installed')).at(-1);
    expect(installed?.message).to.match(/installed to \/dev\/vdb, signatures erased on \/dev\/vdb$/);
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
