import { expect } from 'chai';
import { writeFile, mkdir, readFile, rm, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../../agent/config/load.js';
import { inspectInventory, loadInventory, persistAddressPlan } from '../../../agent/inventory/inventory.js';
import { listLocalInterfaces } from '../../../agent/inventory/local-interfaces.js';
import { NODES_CSV_HEADER } from '../../../agent/inventory/nodes-csv.js';
import { ValidationError } from '../../../agent/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { writeFakeRack, DEFAULT_ROWS, type FakeRack } from '../../lib/fake-rack.js';

describe('inventory from files', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });
  const load = async (rack: FakeRack) => loadInventory(await loadConfig({ env: rack.env }));

  it('loads a rack: management node, PXE interface, host names, addresses', async () => {
    const rack = await writeFakeRack(dir);
    const { inventory, warnings } = await load(rack);
    expect(warnings).to.deep.equal([]);
    expect(inventory.pxeInterface).to.equal('eth1');
    expect(inventory.management.line).to.equal(2);
    expect(inventory.workers.map((n) => [n.hostname, n.address, n.bmcAddress])).to.deep.equal([
      ['node-02', '172.24.213.2', '172.24.213.5'],
      ['node-03', '172.24.213.3', '172.24.213.6'],
      ['node-04', '172.24.213.4', '172.24.213.7'],
    ]);
    expect(inventory.credentials).to.deep.equal({ user: 'admin', password: 's3cret-Pa55' });
  });

  it('persists addresses so adding a row in front renumbers nothing', async () => {
    const rack = await writeFakeRack(dir);
    const config = await loadConfig({ env: rack.env });
    const first = (await loadInventory(config)).inventory;
    expect(await persistAddressPlan(config, first)).to.equal(true);
    const [mgmt, ...rest] = DEFAULT_ROWS;
    await writeFile(join(rack.oemDir, 'nodes.csv'), `${NODES_CSV_HEADER}\n${mgmt}\n00:11:22:33:44:80, 00:11:22:33:44:81, 00:11:22:33:44:82, new, inserted\n${rest.join('\n')}\n`);
    const second = (await loadInventory(config)).inventory;
    for (const old of first.workers) {
      const now = second.workers.find((n) => n.primaryMac === old.primaryMac);
      expect([now?.address, now?.bmcAddress]).to.deep.equal([old.address, old.bmcAddress]);
    }
    const added = second.workers.find((n) => n.primaryMac === '00:11:22:33:44:80');
    expect(added?.address).to.equal('172.24.213.8');
    expect(await persistAddressPlan(config, second)).to.equal(true);
    expect(await persistAddressPlan(config, (await loadInventory(config)).inventory)).to.equal(false);
  });

  it('warns about a password file others can read, with the fix', async () => {
    const rack = await writeFakeRack(dir, { passwordMode: 0o644 });
    await chmod(join(rack.oemDir, 'ipmi_password'), 0o644);
    const { warnings } = await load(rack);
    expect(warnings).to.deep.equal([{ file: join(rack.oemDir, 'ipmi_password'), message: 'is readable by all users (mode 0644)', hint: `chmod 600 ${join(rack.oemDir, 'ipmi_password')}` }]);
  });

  it('collects credential and nodes.csv problems together', async () => {
    const rack = await writeFakeRack(dir, { user: null, rows: ['zz, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, x'] });
    await writeFile(join(rack.oemDir, 'ipmi_password'), '\n');
    const err = await load(rack).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ValidationError);
    const messages = (err as ValidationError).problems.map((p) => `${p.file.replace(rack.oemDir, 'OEM')}:${p.line ?? ''} ${p.message}`);
    expect(messages).to.deep.equal([
      'OEM/ipmi_user: is missing; it must hold the BMC user name',
      'OEM/ipmi_password:1 is empty; it must hold the BMC password',
      'OEM/nodes.csv:2 "zz" is not a MAC address (expected six hex pairs separated by : or -, like 00:11:22:33:44:55)',
    ]);
  });

  it('says the metadata has not been written when nodes.csv is missing', async () => {
    const rack = await writeFakeRack(dir);
    await rm(join(rack.oemDir, 'nodes.csv'));
    const report = await inspectInventory(await loadConfig({ env: rack.env }));
    expect(report.problems).to.deep.equal([{ file: join(rack.oemDir, 'nodes.csv'), message: 'is missing: the rack metadata has not been written', hint: 'run `racker factory` to write it' }]);
  });

  it('names a directory where nodes.csv should be', async () => {
    const rack = await writeFakeRack(dir);
    await rm(join(rack.oemDir, 'nodes.csv'));
    await mkdir(join(rack.oemDir, 'nodes.csv'));
    const report = await inspectInventory(await loadConfig({ env: rack.env }));
    expect(report.problems.map((p) => p.message)).to.deep.equal(['is a directory; it must be the rack metadata file']);
  });

  it('lists physical interfaces before virtual ones that share their MAC', async () => {
    const rack = await writeFakeRack(dir, { interfaces: { br0: { mac: '00:11:22:33:44:30', physical: false }, eth1: { mac: '00:11:22:33:44:30' }, lo: { mac: '00:00:00:00:00:00', physical: false } } });
    expect((await listLocalInterfaces(rack.sysClassNet)).map((i) => i.name)).to.deep.equal(['eth1', 'br0']);
    expect((await load(rack)).inventory.pxeInterface).to.equal('eth1');
  });

  it('reports a full subnet as a problem of the configuration', async () => {
    const rows = [DEFAULT_ROWS[0] as string, ...Array.from({ length: 7 }, (_, i) => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}, 02:00:00:00:02:${i.toString(16).padStart(2, '0')}, 02:00:00:00:03:${i.toString(16).padStart(2, '0')}, w, `)];
    const rack = await writeFakeRack(dir, { rows, configYaml: 'network:\n  subnet: 10.9.0.0/28\n  discoveryPoolSize: 0\n' });
    const report = await inspectInventory(await loadConfig({ env: rack.env }));
    expect(report.problems).to.have.length(1);
    expect(report.problems[0]).to.deep.include({ file: rack.configPath, field: 'network.subnet' });
    expect(report.problems[0]?.message).to.match(/is full: 14 node and BMC MACs need an address, it has room for 13/);
  });

  it('never writes anything while inspecting', async () => {
    const rack = await writeFakeRack(dir);
    const before = await readFile(join(rack.oemDir, 'nodes.csv'), 'utf8');
    await inspectInventory(await loadConfig({ env: rack.env }));
    expect(await readFile(join(rack.oemDir, 'nodes.csv'), 'utf8')).to.equal(before);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(rack.stateDir)).to.deep.equal([]);
  });
});
