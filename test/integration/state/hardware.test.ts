/**
 * A node's hardware as the agent keeps it: an accepted phone-home inventory becomes the node's
 * hardware record in state.json before the node is answered (read back through its schema after a
 * restart), a first inspection is an info event, a swapped disk between two inspections a warning with its history,
 * and a nodes.csv reload keeps it.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRacker } from '../../lib/run-racker.js';
import { EventLog } from '../../../agent/state/event-log.js';
import { StateStore } from '../../../agent/state/state-store.js';
import { RackBus, recordRackEvents, reportKeeper } from '../../../agent/daemon/wiring/rack-bus.js';
import { TokenStore } from '../../../agent/daemon/wiring/token-store.js';
import { stateFiles } from '../../../agent/config/paths.js';
import { createMetrics } from '../../../agent/metrics/metrics.js';
import { hardwareReportSchema, toNodeHardware, type HardwareReport } from '../../../agent/inventory/hardware.js';
import type { BmcFacts } from '../../../agent/inventory/bmc-facts.js';
import { captureLog } from '../../lib/capture-log.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { testData } from '../../lib/paths.js';

const MAC = '02:00:00:00:02:00';
const NODE = { primaryMac: MAC, bmcMac: '02:00:00:00:02:01', secondaryMac: '02:00:00:00:02:02', nodeType: 'sim', row: 2, hostname: 'node-02', address: '172.24.213.2', bmcAddress: '172.24.213.3', isManagement: false };

async function report(sample: string, serial: string): Promise<HardwareReport> {
  return hardwareReportSchema.parse({
    system: { vendor: 'QEMU', product: 'Standard PC (i440FX + PIIX, 1996)', serial, uuid: '6a0c1d2e-0000-4000-8000-000000000002' },
    cpu: { model: 'QEMU Virtual CPU version 2.5+', count: 1, sockets: 1 },
    memoryBytes: 2_052_000_000,
    nics: [{ name: 'eth0', mac: MAC, driver: 'virtio_net', speedMbps: null }],
    disks: JSON.parse(await readFile(testData('lsblk', sample), 'utf8')) as unknown,
  });
}

describe('state: hardware inventory per node', function () {
  this.timeout(30_000);
  let dir = '';
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  const open = async (): Promise<StateStore> => {
    const log = captureLog().log;
    const store = new StateStore({ stateDir: dir, events: new EventLog({ dir, maxBytes: 1 << 20, keep: 1, log }), log });
    await store.start(new AbortController().signal);
    return store;
  };

  it('records the first inspection, warns on a swapped disk with its history, survives a restart and a reload', async () => {
    const store = await open();
    store.syncInventory([NODE], () => 'ipmi');
    const bus = new RackBus(captureLog().log);
    const off = recordRackEvents(bus, store, createMetrics(store, { processMetrics: false }), () => undefined);
    // As BootService.accept does: kept (on disk before the node hears 204), then emitted on the bus.
    const keep = reportKeeper(store, new TokenStore(dir, bus.tokens));
    const phone = async (inventory: HardwareReport, at: string): Promise<void> => {
      const e = { type: 'phone-home', at: new Date(at), mac: MAC, clientIp: NODE.address, status: 'inventory', reason: undefined, inventory } as const;
      await keep(e);
      bus.boot.emit(e);
    };
    await phone(await report('sim.json', 'racker-sim-02'), '2030-01-01T10:00:00.000Z');
    expect(await readFile(stateFiles(dir).stateDoc, 'utf8'), 'on disk once kept').to.contain('"serial":"racker-sim-02"');
    const first = store.node(MAC)?.hardware;
    expect(first?.current.system.serial).to.equal('racker-sim-02');
    expect(first?.current.disks.map((d) => [d.path, d.sizeBytes, d.transport ?? '-', d.serial, d.filesystems])).to.deep.equal([
      ['/dev/sda', 2147483648, 'usb', 'racker-usb-2', []], ['/dev/vda', 21474836480, 'virtio', 'racker-os-2', []], ['/dev/vdb', 12884901888, 'virtio', 'racker-data-2', ['vdb ext4']]]);
    expect(first?.history).to.deep.equal([]);

    // The same hardware again (the installed OS wrote file systems meanwhile): no change.
    const same = await report('sim.json', 'racker-sim-02');
    await phone(same, '2030-01-02T10:00:00.000Z');
    expect(store.node(MAC)?.hardware?.history).to.deep.equal([]);

    // The data disk replaced by one with another serial.
    const swapped = await report('sim.json', 'racker-sim-02');
    const vdb = swapped.disks.blockdevices[2];
    if (vdb !== undefined) vdb.serial = 'racker-data-2b';
    await phone(swapped, '2030-01-03T10:00:00.000Z');
    expect(store.node(MAC)?.hardware?.history).to.deep.equal([{ at: '2030-01-03T10:00:00.000Z', changes: ['disk /dev/vdb (12.0 GiB, serial racker-data-2) gone', 'disk /dev/vdb (12.0 GiB, serial racker-data-2b) new'] }]);
    off();
    await store.stop();

    const events = await new EventLog({ dir, maxBytes: 1 << 20, keep: 1, log: captureLog().log }).read({ node: MAC });
    const hw = events.filter((e) => e.type.startsWith('node.hardware'));
    expect(hw.map((e) => [e.type, e.level])).to.deep.equal([['node.hardware', 'info'], ['node.hardware-changed', 'warn']]);
    expect(hw[0]?.message).to.equal('node-02 (02:00:00:00:02:00): hardware inspected: QEMU Standard PC (i440FX + PIIX, 1996) serial racker-sim-02, 1 CPU, 1.9 GiB, disks 2.0 GiB usb, 20.0 GiB virtio, 12.0 GiB virtio');
    expect(hw[1]?.message).to.match(/^node-02 \(02:00:00:00:02:00\): hardware changed since 2030-01-02T10:00:00.000Z: disk \/dev\/vdb .* gone; disk \/dev\/vdb .*racker-data-2b\) new$/);

    // What an operator sees (the agent is not running: its persisted state).
    const config = join(dir, 'racker.yaml');
    await writeFile(config, `paths: { stateDir: ${dir}, runDir: ${join(dir, 'run')}, etcDir: ${dir}, oemDir: ${dir} }\n`);
    const table = await runRacker(['inventory', '--config', config]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout.split('\n')[0]).to.match(/^NODE +MODEL +SERIAL +BMC SERIAL +BIOS +CPUS +MEMORY +DISKS +INSPECTED$/);
    expect(table.stdout, table.stdout).to.match(/^node-02 +QEMU Standard PC \(i440FX \+ PIIX, 1996\) +racker-sim-02 +- +- +1 +1\.9G +2\.0G usb, 20G virtio, 12G virtio \(fs\) +\d+[smhd] ago, CHANGED \d+[smhd] ago$/m);
    const one = await runRacker(['inventory', 'node-02', '--config', config]);
    expect(one.stdout).to.match(/^ {4}\/dev\/vdb +12G +virtio +yes +no +- +racker-data-2b +- +vdb ext4$/m);
    expect(one.stdout).to.contain('hardware changes:\n    2030-01-03 10:00:00  disk /dev/vdb (12.0 GiB, serial racker-data-2) gone; disk /dev/vdb (12.0 GiB, serial racker-data-2b) new');
    const json = JSON.parse((await runRacker(['inventory', '--json', '--config', config])).stdout) as { node: string; hardware: { current: { system: { serial: string } } } }[];
    expect(json.map((n) => [n.node, n.hardware.current.system.serial])).to.deep.equal([['node-02', 'racker-sim-02']]);
    const full = await runRacker(['status', '--full', '--config', config]);
    expect(full.stdout).to.contain('  hardware: QEMU Standard PC (i440FX + PIIX, 1996) serial racker-sim-02, 1 CPU, 1.9 GiB, disks 2.0 GiB usb, 20.0 GiB virtio, 12.0 GiB virtio');
    expect(full.stdout).to.match(/WARNING: hardware changed \d+[smhd] ago: disk \/dev\/vdb/);
    expect((await runRacker(['inventory', 'node-09', '--config', config])).code).to.equal(2);

    const again = await open();
    expect(again.node(MAC)?.hardware?.history).to.have.length(1);
    again.syncInventory([{ ...NODE, hostname: 'node-02-renamed' }], () => 'ipmi');
    expect(again.node(MAC)?.hardware?.current.system.serial, 'a nodes.csv reload keeps it').to.equal('racker-sim-02');
    await again.stop();
  });

  it('keeps the BMC\'s facts next to the inspection: a serial mismatch warns once, a BIOS update is an event, a restart keeps them, another BMC in the row drops them', async () => {
    const store = await open();
    store.syncInventory([NODE], () => 'ipmi');
    store.recordHardware(MAC, toNodeHardware(await report('sim.json', 'racker-sim-02'), '2030-01-01T10:00:00.000Z'));
    const facts: BmcFacts = { at: '2030-01-01T09:00:00.000Z', driver: 'ipmi', manufacturer: 'QEMU', model: 'Standard PC', serial: 'racker-sim-07', biosVersion: '1.0' };
    store.recordBmcFacts(MAC, facts);
    store.recordBmcFacts(MAC, { ...facts, at: '2030-01-02T09:00:00.000Z' });
    store.recordBmcFacts(MAC, { ...facts, at: '2030-01-03T09:00:00.000Z', biosVersion: '1.1' });
    await store.stop();
    const events = (await new EventLog({ dir, maxBytes: 1 << 20, keep: 1, log: captureLog().log }).read({ node: MAC })).filter((e) => e.type === 'node.bmc-facts' || e.type === 'node.serial-mismatch');
    expect(events.map((e) => [e.type, e.level, e.message])).to.deep.equal([
      ['node.bmc-facts', 'info', 'node-02 (02:00:00:00:02:00): the BMC reports QEMU Standard PC serial racker-sim-07, BIOS 1.0 (ipmi)'],
      ['node.serial-mismatch', 'warn', 'node-02 (02:00:00:00:02:00): the BMC reports serial racker-sim-07 but the server that booted as this node reports racker-sim-02 (SMBIOS): the wrong server is cabled to this BMC, or the row\'s MACs belong to another server'],
      ['node.bmc-facts', 'info', 'node-02 (02:00:00:00:02:00): the BMC\'s facts changed since 2030-01-02T09:00:00.000Z: BMC BIOS version 1.0 → 1.1'],
    ]);

    const again = await open();
    expect(again.node(MAC)?.bmcFacts?.biosVersion, 'read back through the schema').to.equal('1.1');
    again.syncInventory([{ ...NODE, hostname: 'node-02-renamed' }], () => 'ipmi');
    expect(again.node(MAC)?.bmcFacts?.serial, 'a reload keeps them').to.equal('racker-sim-07');
    again.syncInventory([{ ...NODE, bmcMac: '02:00:00:00:09:01' }], () => 'ipmi');
    expect(again.node(MAC)?.bmcFacts, 'another BMC says nothing yet').to.equal(undefined);
    expect(again.node(MAC)?.hardware?.current.system.serial, 'the inspection stays').to.equal('racker-sim-02');
    await again.stop();
  });
});
