/**
 * racker-sim with BMCs only (--no-vm): real namespaces, ipmi_sim and ipmitool. Everything runs in
 * namespaces the simulator creates; the rack is destroyed afterwards, also when a test fails.
 */
import { expect } from 'chai';
import { execa } from 'execa';
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runRacker } from '../../lib/run-racker.js';
import { ipmitool, runSim, simSkipReason } from '../../lib/run-sim.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import type { RackStatus } from '../../../sim/commands/status.js';
import { rackSpec } from '../../../sim/rack-spec.js';
import { simHardware } from '../../../sim/hardware.js';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

async function netnsList(): Promise<string[]> {
  return (await execa('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
}

/** Alive and not a zombie (a zombie's parent may be an init that reaps late; it holds nothing). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

describe('racker-sim --no-vm (ipmi_sim BMCs in namespaces)', function () {
  this.timeout(120_000);
  const name = `nv${process.pid}`;
  let root: string;
  let sim: (args: string[]) => ReturnType<typeof runSim>;

  before(async function () {
    const why = await simSkipReason(['ipmi_sim', 'ipmitool', 'nft']);
    if (why !== undefined) this.skip();
    root = await makeTempDir('racker-sim-test-');
    sim = (args) => runSim([...args, '--name', name, '--root', root]);
  });
  after(async () => {
    if (root === undefined) return;
    await runSim(['destroy', '--name', name, '--root', root]);
    await removeTempDir(root);
  });

  it('creates a 3-BMC rack, drives it with ipmitool, injects and clears a fault, and destroy leaves nothing', async () => {
    const created = await sim(['create', '--no-vm', '--nodes', '3']);
    expect(created.stderr).to.include('BMCs only');
    expect(created.code, created.stderr).to.equal(0);
    const configPath = created.stdout.trim();
    expect(configPath).to.equal(join(root, name, 'etc', 'racker.yaml'));

    const again = await sim(['create', '--no-vm', '--nodes', '2']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include(`a simulated rack "${name}" already exists`);
    expect(again.stderr).to.include(`racker-sim destroy --name ${name}`);

    const st = await sim(['status', '--json']);
    expect(st.code, st.stderr).to.equal(0);
    const status = JSON.parse(st.stdout) as RackStatus;
    expect(status.config).to.equal(configPath);
    expect(status.bmcAddressing).to.equal('pinned');
    expect(status.nodes.map((n) => [n.name, n.bmcAddress, n.bmc, n.power])).to.deep.equal([
      ['node-02', '172.24.213.5', 'running', 'off'], ['node-03', '172.24.213.6', 'running', 'off'], ['node-04', '172.24.213.7', 'running', 'off']]);

    // racker itself accepts the rack: the management node is found, every row parses.
    const check = await runRacker(['factory', 'check', '--config', configPath]);
    expect(check.stdout).to.include('3 to provision, 1 management node');
    expect(check.code, check.stdout + check.stderr).to.equal(0);

    const password = (await readFile(status.oem.ipmiPassword, 'utf8')).trim();
    const node = status.nodes[1] as RackStatus['nodes'][0];
    const bmc = (args: string[]) => ipmitool(status.mgmtNetns, node.bmcAddress as string, password, args);
    expect((await bmc(['chassis', 'power', 'status'])).stdout).to.include('Chassis Power is off');
    // The BMC's FRU names the server by the serial its VM's SMBIOS would carry (sim/hardware.ts).
    const spec = rackSpec(name, 3).nodes[1] as NonNullable<ReturnType<typeof rackSpec>['nodes'][0]>;
    expect((await bmc(['fru', 'print', '0'])).stdout).to.match(new RegExp(`^ Product Serial +: ${simHardware(name, spec, { dataDisk: false }).serial}$`, 'm'));
    expect((await bmc(['chassis', 'bootdev', 'pxe'])).code).to.equal(0);
    expect((await bmc(['chassis', 'power', 'on'])).code).to.equal(0);
    expect((await bmc(['chassis', 'bootparam', 'get', '5'])).stdout).to.include('Force PXE');
    expect((await readFile(join(node.dir, 'power'), 'utf8')).trim()).to.equal('1');
    expect((await readFile(join(node.dir, 'boot'), 'utf8')).trim()).to.equal('pxe');
    const after = JSON.parse((await sim(['status', '--json'])).stdout) as RackStatus;
    expect(after.nodes[1]).to.include({ power: 'on', bootDevice: 'pxe' });
    expect(after.nodes[0]).to.include({ power: 'off', bootDevice: 'default' });
    // The other BMCs answer from their own MACs (each BMC's replies leave through its interface).
    const neigh = (await execa('ip', ['-n', status.mgmtNetns, 'neigh', 'show', node.bmcAddress as string])).stdout;
    expect(neigh).to.include(node.bmcMac);

    expect((await sim(['fault', node.name, 'bmc-down'])).code).to.equal(0);
    const frozen = await bmc(['chassis', 'power', 'status']);
    expect(frozen.code).to.not.equal(0);
    expect(frozen.stderr).to.match(/Unable to establish IPMI v2|no response/);
    expect((JSON.parse((await sim(['status', '--json'])).stdout) as RackStatus).nodes[1]).to.deep.include({ bmc: 'frozen', faults: ['bmc-down'] });
    expect((await sim(['fault', node.name, 'clear'])).code).to.equal(0);
    expect((await bmc(['chassis', 'power', 'status'])).stdout).to.include('Chassis Power is on');

    expect((await sim(['fault', node.name, 'drop-boot-flag'])).code).to.equal(0);
    await bmc(['chassis', 'bootdev', 'disk']);
    expect((await bmc(['chassis', 'bootparam', 'get', '5'])).stdout).to.include('Force PXE');
    expect((await sim(['fault', node.name, 'clear'])).code).to.equal(0);

    expect((await sim(['fault', node.name, 'wrong-password'])).code).to.equal(0);
    expect((await bmc(['chassis', 'power', 'status'])).code).to.not.equal(0);
    expect((await sim(['fault', node.name, 'clear'])).code).to.equal(0);
    expect((await bmc(['chassis', 'power', 'status'])).code).to.equal(0);

    // A rack without VMs has no disks to replace; a disk racker-sim does not have is a usage error.
    const noDisks = await sim(['disk', node.name, 'replace', 'usb']);
    expect(noDisks.code).to.not.equal(0);
    expect(noDisks.stderr).to.contain(`rack ${name} has no VMs (created with --no-vm): no disks to replace`);
    expect((await sim(['disk', node.name, 'replace', 'floppy'])).code).to.equal(2);

    const pids = await Promise.all(status.nodes.map(async (n) => Number(await readFile(join(n.dir, 'ipmi_sim.pid'), 'utf8'))));
    const destroyed = await sim(['destroy']);
    expect(destroyed.code, destroyed.stderr).to.equal(0);
    expect(destroyed.stdout).to.include(`destroyed rack ${name}`);
    expect(await netnsList()).to.not.include.members([status.netns, status.mgmtNetns]);
    for (const pid of pids) expect(await running(pid), `ipmi_sim ${pid}`).to.equal(false);
    expect(await exists(join(root, name))).to.equal(false);
    expect((await sim(['destroy'])).stdout).to.include(`no rack ${name} to destroy`);
  });

  it('destroy removes a rack whose state file is lost, by its name', async () => {
    expect((await sim(['create', '--no-vm', '--nodes', '1'])).code).to.equal(0);
    await rm(join(root, name, 'state.json'));
    const destroyed = await sim(['destroy']);
    expect(destroyed.code, destroyed.stderr).to.equal(0);
    expect(await netnsList()).to.not.include(`racker-sim-${name}`);
    expect(await exists(join(root, name))).to.equal(false);
  });

  it('refuses bad input before making anything', async () => {
    const r = await sim(['create', '--no-vm', '--nodes', 'x']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('--nodes must be a whole number');
    expect(await exists(join(root, name))).to.equal(false);
    const f = await sim(['fault', 'node-02', 'explode']);
    expect(f.code).to.equal(2);
    expect(f.stderr).to.include('unknown fault "explode"');
  });
});
