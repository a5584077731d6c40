/**
 * Operator journeys end to end on one simulated rack (SLOW: QEMU servers under TCG): the real
 * agent, racker-sim's BMCs and servers, `racker` as the operator types it. racker-sim makes three
 * servers; nodes.csv starts with node-02 only: node-03's row is added later, and the third server
 * (racker-sim's node-04) is the spare that replaces node-03's server in its row.
 *   ssh       `racker factory gen-ssh-key`, then `racker bootstrap --yes` with no --ssh-key: the
 *             plan names the rack key and node-02's installed system has it for user core;
 *   console   `racker ipmi node-02 console` (racker's own SOL, no ipmitool) shows the installed
 *             system's login prompt on its serial port, and `~.` detaches;
 *   add       node-03's row is appended after node-02 was provisioned; a reload gives it an address
 *             without renumbering node-02, and a plain `racker bootstrap` provisions only node-03;
 *   re-run    a second `racker bootstrap --yes` on the provisioned rack sends no BMC command (the
 *             simulated BMCs log every set), boots nothing (no DHCP or boot request) and says which
 *             nodes it skipped and why; `--dry-run` says the same;
 *   hardware  node-02 has a 2 GiB USB stick, a 12 GiB data disk holding ext4 and its 20 GiB system
 *             disk; its rule (at least 15 GiB) installed it to the 20 GiB disk and left the data
 *             disk alone; `racker inventory` shows each server's SMBIOS serial and disks as QEMU
 *             has them;
 *   resume    node-02's USB stick is swapped (racker-sim disk, server off) and its rule becomes
 *             `maxSizeGiB: 15` with wipe all-disks-metadata; `--node node-02 --reprovision` runs
 *             while the agent is killed with SIGKILL (with what it started, as systemd's restart
 *             of the unit does) as soon as node-02 enters a phase not yet covered, and started
 *             again, until every phase has seen a kill; each job finishes, node-02 fetched its
 *             installer Ignition and reported `installed` once per job, node-03 got no BMC command
 *             and made no boot request, and no install group is left;
 *   disks     that reinstall went to the data disk; from the host, the system disk's image has no
 *             signature left and the USB stick is blank; the swapped stick is one warning event
 *             and in status --full; inventory still equals QEMU's hardware;
 *   replace   node-03's server is pulled (powered off at its BMC) and row 3 gets the spare's MACs;
 *             after a reload the old server is retired and the event log says which server
 *             replaced which. The new server comes with a 12 GiB disk holding a file system, and
 *             racker never installed it: a plain `racker bootstrap` picks that disk by the default
 *             rule and the installer refuses it, with the disk table and the rule, writing
 *             nothing; `--wipe` installs it there. node-02 and the old server get no BMC command
 *             and make no boot request;
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
import { racker } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { TmuxTerminal } from '../../lib/tmux.js';
import { DETACH_HINT } from '../../../agent/cli/sol-terminal.js';
import { ipmitool, runSim, simSkipReason } from '../../lib/run-sim.js';
import { SimRack, bmcSets, type RackEvent, type SimNode } from '../../lib/sim-rack.js';
import { signatures } from '../../lib/sim-disk.js';
import { bootRequests, coreKeys, filesContaining, installedTo, inventoryVsQemu, isWire, processTree } from '../../lib/journey-evidence.js';
import { loadConfig } from '../../../agent/config/load.js';
import { etcFiles, oemFiles, stateFiles } from '../../../agent/config/paths.js';
import type { Config } from '../../../agent/config/schema.js';
import { PHASES } from '../../../agent/state/phases.js';

const PROGRAMS = ['qemu-system-x86_64', 'qemu-img', 'e2fsck', 'debugfs', 'ipmi_sim', 'ipmitool', 'dnsmasq', 'ignition-validate', 'sq', 'ssh-keygen', 'tmux'];

/** Set (or, undefined, remove) node-02's own install-disk settings in the rack's racker.yaml. */
async function setNode02Disk(configPath: string, settings: Record<string, unknown> | undefined): Promise<void> {
  const raw = parse(await readFile(configPath, 'utf8')) as { bootstrap: { nodes?: Record<string, unknown> } };
  const nodes = { ...raw.bootstrap.nodes };
  if (settings === undefined) delete nodes['node-02'];
  else nodes['node-02'] = settings;
  raw.bootstrap.nodes = nodes;
  await writeFile(configPath, stringify(raw));
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
    // node-02 also has a 12 GiB disk holding ext4 (its own rule installs it to its 20 GiB disk), and
    // so has the spare server (node-04), which comes into node-03's row in the replace journey.
    await rack.create(['--nodes', '3', '--agent', 'manual', '--data-disk', 'node-02,node-04']);
    // Shorter waits than a real rack needs, so that a node that lost its boot to a kill (resume) is
    // escalated (power off and on) within the test's time; the installer and the installed system keep long ones.
    const raw = parse(await readFile(rack.config, 'utf8')) as { bootstrap: Record<string, unknown> };
    // racker-sim's BMCs apply a boot device at once: the installer need not give them 15 s before its reboot.
    raw.bootstrap.rebootDelaySeconds = 3;
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
  /** The phone-home tokens the agent holds now (revoked once a node is done). */
  const tokensNow = async (): Promise<string[]> => Object.values(JSON.parse(await readFile(stateFiles(config.paths.stateDir).phoneHomeTokens, 'utf8').catch(() => '{}')) as Record<string, { token: string }>).map((t) => t.token);
  /** Tokens seen during the journeys, which the hand-over must leave nowhere. */
  const seenTokens: string[] = [];

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

  it('console: racker ipmi node-02 console shows the installed server\'s login prompt over SOL and detaches with ~.', async () => {
    const dir = await makeTempDir('racker-e2e-sol-');
    const t = new TmuxTerminal(dir);
    try {
      await t.start(['sh'], { PS1: '$ ' }, { width: 120, height: 30 });
      // From the management namespace, where the agent runs, with the rack's configuration; no
      // ipmitool on PATH: the console is racker's own SOL to ipmi_sim, whose SOL is the VM's serial port.
      await t.type(`ip netns exec ${rack.mgmtNetns} /usr/bin/env PATH=/nonexistent ${process.execPath} ${racker} ipmi node-02 console --config ${rack.config}; echo racker-exit:$?`);
      await t.keys('Enter');
      await t.waitFor(/SOL session operational on /, 60_000);
      expect(await t.transcript()).to.include(DETACH_HINT);
      // The installed system runs a getty on ttyS0 (console=ttyS0): Enter makes it print its prompt again.
      await t.keys('Enter');
      await t.waitFor(/login: *$/m, 60_000);
      await t.type('core');
      await t.keys('Enter');
      await t.waitFor(/Password: *$/m, 30_000); // the guest's login program answered what was typed
      // Detach at the start of a line (Ctrl-C ends the login attempt there first).
      await t.keys('C-c', 'Enter');
      await t.type('~.');
      await t.waitFor(/racker-exit:0/, 30_000);
      await t.type('echo back-at-the-shell-$((6*7))');
      await t.keys('Enter');
      await t.waitFor(/back-at-the-shell-42/);
    } finally {
      await t.stop();
      await removeTempDir(dir);
    }
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

  it('hardware: racker inventory shows each server\'s SMBIOS serial and disks as QEMU has them, and its BMC names the same serial; node-02\'s rule installed it to its 20 GiB disk, its data disk untouched', async () => {
    const seen = await inventoryVsQemu(rack);
    expect(seen.map((n) => n.node)).to.deep.equal(['node-02', 'node-03']);
    for (const n of seen) expect(n.racker, n.node).to.deep.equal(n.qemu);
    const node02 = (await rack.simNodes()).find((n) => n.name === 'node-02') as SimNode;
    expect(node02.hardware?.disks.map((d) => `${d.slot} ${d.sizeGiB}`)).to.deep.equal(['system 20', 'usb 2', 'data 12']);
    expect(await installedTo(node02)).to.equal('/dev/vda');
    expect(await signatures(join(node02.dir, 'data.img')), 'the data disk as it came').to.equal('LABEL=data\nTYPE=ext4');
  });

  // What the resume journey leaves for the disks journey after it to check.
  let usbSerials: { old?: string; new?: string } = {};

  it('resume: `--node node-02 --reprovision`, SIGKILLed at every phase and restarted as the product starts it, finishes; node-02 installs once per job, node-03 is not touched', async () => {
    // As racker-sim lists it now (its BMC has its lease, so its address).
    const node02 = (await rack.simNodes()).find((n) => n.name === 'node-02') as SimNode;
    // Set up for the disks journey below (one reinstall serves both: a VM install under TCG is the
    // suite's dearest step). A technician swaps node-02's USB stick with the server off; node-02
    // then reinstalls onto its 12 GiB data disk, erasing every other fixed disk's metadata.
    usbSerials = { old: node02.hardware?.disks.find((d) => d.slot === 'usb')?.serial };
    const password = (await readFile(oemFiles(config.paths.oemDir).ipmiPassword, 'utf8')).trim();
    const off = await ipmitool(rack.mgmtNetns, node02.bmcAddress ?? '', password, ['chassis', 'power', 'off']);
    expect(off.code, off.stderr).to.equal(0);
    await rack.waitFor('node-02 to be off', async () => ((await rack.simNodes()).find((n) => n.name === 'node-02') as { vm?: string }).vm === 'stopped' ? true : undefined, 60_000);
    const swap = await runSim(['disk', 'node-02', 'replace', 'usb', '--name', rack.name]);
    expect(swap.code, swap.stderr).to.equal(0);
    usbSerials.new = (await rack.simNodes()).find((n) => n.name === 'node-02')?.hardware?.disks.find((d) => d.slot === 'usb')?.serial;
    expect(usbSerials.new).to.be.a('string').and.not.equal(usbSerials.old);
    await setNode02Disk(rack.config, { installDisk: { maxSizeGiB: 15 }, wipe: 'all-disks-metadata' });
    await reload();

    const setsBefore = await bmcSets(simNodes);
    const eventsBefore = (await rack.events()).length;
    const covered = new Set<string>();
    const wanted: string[] = PHASES.filter((p) => p !== 'joined');
    // boot-ipxe is entered only when dnsmasq's lease is seen before iPXE's first HTTP request (they
    // race; when the request wins, the node goes from dhcp straight to ipxe): it gets a kill when
    // it comes, but a run is not repeated (a whole VM install) to wait for it.
    const required = wanted.filter((p) => p !== 'boot-ipxe');
    let kills = 0;
    for (let run = 0; run < 3 && required.some((p) => !covered.has(p)); run++) {
      const start = (await rack.events()).length;
      const { id } = await rack.bootstrap('--node', 'node-02', '--reprovision', '--on-failure', 'retry', '--retries', '2');
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
      expect(j.progress, `run ${run}`).to.include({ total: 1, ready: 1 });
      expect(j.message, `run ${run}`).to.match(/^1 ready, 0 failed, 0 excluded$/);
      expect((await rack.nodes())[0]?.phase.job, `run ${run}: node-02's last job`).to.equal(id);
      // Per job: node-02 fetched its installer Ignition and reported installed exactly once.
      const events = (await rack.events()).slice(start);
      const fetched = events.filter((e) => e.node === node02.primaryMac && e.type === 'boot.ignition' && !e.message.includes('os=installed') && / → 200/.test(e.message));
      const reported = events.filter((e) => e.node === node02.primaryMac && e.type === 'node.phone-home' && / reports installed/.test(e.message));
      expect([fetched.length, reported.length], `run ${run}: installs of node-02`).to.deep.equal([1, 1]);
    }
    expect([...covered].filter((p) => p !== 'boot-ipxe').sort(), `phases a kill hit (${kills} kills)`).to.deep.equal([...required].sort());
    expect((await rack.nodes()).map((n) => [n.hostname, n.phase.name])).to.deep.equal([['node-02', 'provisioned'], ['node-03', 'provisioned']]);
    // node-03 was not touched: no BMC command, no boot request; it installed once in all (the add).
    expect((await bmcSets(simNodes))['node-03'], 'node-03\'s BMC').to.deep.equal(setsBefore['node-03']);
    const node03 = servers['node-03'] as SimNode;
    expect(bootRequests((await rack.events()).slice(eventsBefore), node03.primaryMac), 'boot requests of node-03').to.equal(0);
    const installs03 = (await rack.events()).filter((e) => e.node === node03.primaryMac && e.type === 'boot.ignition' && !e.message.includes('os=installed') && / → 200/.test(e.message));
    expect(installs03, 'node-03 installed once in all').to.have.length(1);
    const groups = await readdir(join(config.paths.stateDir, 'matchbox', 'groups')).catch(() => [] as string[]);
    expect(groups.filter((g) => g.startsWith('racker-install-')), 'install groups left').to.deep.equal([]);
  });

  it('disks: that reprovision installed to the data disk its rule picked and erased the other fixed disks\' signatures; the swapped USB stick is a hardware change', async () => {
    const node02 = (await rack.simNodes()).find((n) => n.name === 'node-02') as SimNode;
    expect(await installedTo(node02)).to.equal('/dev/vdb');
    const installed = (await rack.events()).filter((e) => e.node === node02.primaryMac && e.type === 'node.phone-home' && e.message.includes('reports installed')).at(-1);
    expect(installed?.message).to.match(/installed to \/dev\/vdb, signatures erased on \/dev\/vdb \/dev\/vda$/);
    // From the host: the system disk (which held the first install) has no signature left; the
    // USB stick (not a fixed disk) was not touched and is blank as it came; the data disk holds the install.
    expect(await signatures(join(node02.dir, 'disk.qcow2')), 'system disk').to.equal('');
    expect(await signatures(join(node02.dir, 'usb.qcow2')), 'USB stick').to.equal('');
    expect(await signatures(join(node02.dir, 'data.img')), 'the data disk now holds the install').to.match(/^LABEL=OEM\nTYPE=ext[234]$/);
    // The first inspection after the swap saw the new stick: one warning (the kills' re-runs saw no further change), and in status --full.
    const changed = (await rack.events()).filter((e) => e.node === node02.primaryMac && e.type === 'node.hardware-changed');
    expect(changed.map((e) => e.message), 'hardware-changed events').to.have.length(1);
    expect(changed[0]?.message).to.contain(`serial ${usbSerials.old ?? '?'}) gone`).and.contain(`serial ${usbSerials.new ?? '?'}) new`);
    const full = await runRacker(['status', '--full', '--config', rack.config]);
    expect(full.stdout).to.match(new RegExp(`WARNING: hardware changed \\d+[smhd] ago: .*${usbSerials.new ?? '?'}`));
    for (const n of await inventoryVsQemu(rack)) expect(n.racker, n.node).to.deep.equal(n.qemu);
  });

  it('replace: new MACs in node-03\'s row retire the old server; the new one, whose data disk holds a file system, is refused with the disk table, then installed with --wipe; node-02 and the old server are untouched', async () => {
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

    // The new server comes with a 12 GiB disk holding a file system from its former life, and racker
    // never installed it: the default rule picks that disk and the installer refuses to write it.
    // With the default retries (2): a refusal is the rule's verdict on the same disks, so it is not
    // retried (one boot only: the install fetches below count 2 with the --wipe run's).
    const refused = await rack.finished((await rack.bootstrap('--on-failure', 'exclude')).id);
    expect(refused.state).to.not.equal('succeeded');
    const n03 = (await rack.nodes())[1];
    expect(n03?.lastError?.step).to.equal('installing');
    expect(n03?.lastError?.message).to.match(/^the node refused: install disk: /);
    const rule = 'rule: at least 10 GiB, not USB or removable, the smallest such disk';
    expect(n03?.lastError?.message).to.contain(`install disk: /dev/vdb (12.0G) holds file systems (vdb:ext4) and racker never installed this node - ${rule}`);
    expect(n03?.lastError?.message, 'the disk table').to.match(/\/dev\/sda +2\.0G +usb .* USB[ |]+\/dev\/vda +20\.0G +virtio .* matches[ |]+\/dev\/vdb +12\.0G +virtio .* vdb:ext4 +PICKED/);
    expect(n03?.lastError?.hint).to.contain('--wipe').and.contain('racker inventory');
    expect((await runRacker(['status', '--full', '--config', rack.config])).stdout).to.contain(rule);
    // Nothing was written: the data disk holds what it came with.
    expect(await signatures(join(spare.dir, 'data.img'))).to.equal('LABEL=data\nTYPE=ext4');
    seenTokens.push(...await tokensNow()); // the refused node's, for the hand-over

    // The operator has seen the disk table: that disk may go.
    const run = await rack.bootstrap('--wipe', '--on-failure', 'exclude');
    const j = await rack.finished(run.id);
    expect(j.state, j.message).to.equal('succeeded');
    expect(j.message).to.match(/^1 ready, 0 failed, 0 excluded, 1 skipped \(node-02: already provisioned/);
    const after = await rack.nodes();
    expect(after.map((n) => [n.hostname, n.mac, n.phase.name])).to.deep.equal([['node-02', node02.primaryMac, 'provisioned'], ['node-03', spare.primaryMac, 'provisioned']]);
    expect(await installedTo(spare)).to.equal('/dev/vdb');
    // Untouched: no BMC command to node-02 or the old server, no power cycle, no boot of either.
    expect(await bmcSets([node02, old]), 'BMC commands to node-02 and the old server').to.deep.equal(setsBefore);
    expect(after[0]?.phase.history.filter((h) => h.name === 'power-cycle').length).to.equal(cycles02);
    const events = await rack.events();
    const since = events.slice(eventsBefore.length);
    expect([bootRequests(since, node02.primaryMac), bootRequests(since, old.primaryMac)], 'boot requests of node-02 and the old server').to.deep.equal([0, 0]);
    // The new server fetched its installer twice (refused, then wiped), was installed once, and got the rack key.
    const fetched = since.filter((e) => e.node === spare.primaryMac && e.type === 'boot.ignition' && !e.message.includes('os=installed') && / → 200/.test(e.message));
    const installed = since.filter((e) => e.node === spare.primaryMac && e.type === 'node.phone-home' && / reports installed/.test(e.message));
    expect([fetched.length, installed.map((e) => e.message.replace(/^.* reports installed: /, ''))]).to.deep.equal([2, ['installed to /dev/vdb, signatures erased on /dev/vdb']]);
    expect((await bmcSets([spare]))['node-04'], 'the new server\'s BMC was driven').to.not.deep.equal([]);
    expect(await coreKeys(spare, 'data.img'), 'core\'s keys on the new server').to.contain(rackKey.split(' ').slice(0, 2).join(' '));
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
    // Tokens of finished nodes are revoked as they finish: those seen during the journeys count too.
    const tokens = [...new Set([...seenTokens, ...await tokensNow()])];
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
