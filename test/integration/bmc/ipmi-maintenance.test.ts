/**
 * ipmitool's maintenance vocabulary through racker's own RMCP+ driver (`racker ipmi NODE sel|fru|mc|
 * lan|chassis`), against a real ipmi_sim holding SEL records and a FRU image, and compared with what
 * ipmitool itself reads from the same simulator: the same records, fields and values. Over Redfish
 * (the project's emulator, which sushy and redfishtool cross-check) the same vocabulary reads the
 * system, its chassis, the manager and its NIC, and the SEL log service; a field the BMC leaves out
 * is "not reported by this BMC"; mc reset is the manager's Manager.Reset (ForceRestart cold,
 * GracefulRestart warm), refused with RACKER_E_BMC_UNSUPPORTED when the BMC does not allow the type.
 */
import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { IpmiSim, freeUdpPort, stopAllSims } from '../../lib/ipmi-sim.js';
import { fruImage } from '../../../sim/fru-image.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { runRacker } from '../../lib/run-racker.js';
import { RedfishEmulator } from '../../lib/redfish-emulator.js';
import { profile } from '../../lib/redfish-profiles.js';
import { selfSignedCertificate } from '../../lib/bmc-certificates.js';
import { exec } from '../../../agent/lib/exec.js';

const PASSWORD = 'Maint-Pa55word';
const FRU = fruImage({
  chassis: { type: 23, part: 'CH-PART-1', serial: 'CH-SER-1' },
  board: { minutesSince1996: 15_000_000, manufacturer: 'Racker Boards', product: 'RB-1', serial: { sixBit: 'BSN12345' }, part: 'BP-77' },
  product: { manufacturer: 'Racker', name: 'Rack Server 1U', part: 'RS1U', version: 'v2', serial: 'PSN-0042', assetTag: 'ASSET-9' },
});
// System event records: generator BMC, EvM rev 4; sensor type, number, direction|type, data 1–3.
const SEL = [
  [0x02, 0, 0, 0, 0, 0x20, 0x00, 0x04, 0x01, 0x01, 0x01, 0x09, 0xff, 0xff], // temperature: upper critical going high, asserted
  [0x02, 0, 0, 0, 0, 0x20, 0x00, 0x04, 0x01, 0x01, 0x81, 0x09, 0xff, 0xff], // … deasserted
  [0x02, 0, 0, 0, 0, 0x20, 0x00, 0x04, 0x08, 0x07, 0x6f, 0x01, 0xff, 0xff], // power supply 7: failure detected
  [0x02, 0, 0, 0, 0, 0x20, 0x00, 0x04, 0x04, 0x03, 0x01, 0x02, 0xff, 0xff], // fan 3: lower critical going low
];

describe('racker ipmi sel, fru, mc, lan, chassis against ipmi_sim, compared with ipmitool', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let sim: IpmiSim;
  let rack: FakeRack;

  const ipmitool = async (...args: string[]): Promise<string> =>
    (await exec('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(sim.port), '-U', 'admin', '-E', ...args], { env: { IPMI_PASSWORD: PASSWORD }, timeoutMs: 30_000 })).stdout;
  /** ipmitool's "Label : value" lines as a map. */
  const fields = (text: string): Map<string, string> => new Map(text.split('\n').map((l) => /^\s*([^:]+?)\s*: (.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1] as string, (m[2] as string).trim()]));
  const racker = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => runRacker(['ipmi', '2', ...args], rack.env);
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await racker(...args, '--json');
    expect(r.code, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    dir = await makeTempDir('racker-ipmi-maint-');
    const port = await freeUdpPort();
    await mkdir(join(dir, 'bmc'));
    sim = await IpmiSim.start({ dir: join(dir, 'bmc'), lans: [{ address: '127.0.0.1', port }], users: [{ id: 2, name: 'admin', password: PASSWORD, privilege: 'admin' }], fru: FRU, sel: SEL, logMessages: false });
    rack = await writeFakeRack(join(dir, 'rack'), { password: PASSWORD, configYaml: `bmc:\n  cipherSuites: [3]\n  nodes:\n    "00:11:22:33:44:11": { address: 127.0.0.1, port: ${port} }\n` });
  });
  after(async () => {
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('sel list prints the records line for line as ipmitool sel list does; --json keeps them as data', async () => {
    // ipmitool pads some event texts with a space ("Lower Critical going low "): compared without it.
    const cells = (text: string): string[] => text.trimEnd().split('\n').map((l) => l.replace(/ +\|/g, ' |'));
    const theirs = cells(await ipmitool('sel', 'list'));
    const ours = await racker('sel');
    expect(ours.code, ours.stderr).to.equal(0);
    expect(theirs).to.have.length(4);
    expect(cells(ours.stdout)).to.deep.equal(theirs);
    const data = await json<{ entries: Array<{ id: number; sensor: string; event: string; direction: string }> }>('sel', 'list');
    expect(data.entries.map((e) => [e.id, e.sensor, e.event, e.direction])).to.deep.equal([
      [1, 'Temperature #0x01', 'Upper Critical going high', 'asserted'],
      [2, 'Temperature #0x01', 'Upper Critical going high', 'deasserted'],
      [3, 'Power Supply #0x07', 'Failure detected', 'asserted'],
      [4, 'Fan #0x03', 'Lower Critical going low', 'asserted'],
    ]);
    const info = await json<{ info: { entries: number; freeBytes: number } }>('sel', 'info');
    const theirInfo = fields(await ipmitool('sel', 'info'));
    expect(info.info.entries).to.equal(Number(theirInfo.get('Entries')));
    expect(`${info.info.freeBytes} bytes`).to.equal(theirInfo.get('Free Space'));
  });

  it('fru reads FRU 0 with the values ipmitool reads (8-bit and 6-bit packed fields, the board date)', async () => {
    const theirs = fields(await ipmitool('fru', 'print', '0'));
    const { fru } = await json<{ fru: Record<string, string> }>('fru');
    const pairs: Array<[string, string]> = [
      ['chassisType', 'Chassis Type'], ['chassisPartNumber', 'Chassis Part Number'], ['chassisSerial', 'Chassis Serial'],
      ['boardManufacturer', 'Board Mfg'], ['boardProduct', 'Board Product'], ['boardSerial', 'Board Serial'], ['boardPartNumber', 'Board Part Number'],
      ['productManufacturer', 'Product Manufacturer'], ['productName', 'Product Name'], ['productPartNumber', 'Product Part Number'],
      ['productVersion', 'Product Version'], ['productSerial', 'Product Serial'], ['productAssetTag', 'Product Asset Tag'],
    ];
    for (const [ours, label] of pairs) expect(fru[ours], label).to.equal(theirs.get(label));
    expect(fru.boardSerial).to.equal('BSN12345');
    expect(Date.parse(fru.boardMfgDate as string)).to.equal(Date.parse((theirs.get('Board Mfg Date') as string).replace(/ UTC$/, 'Z')));
    const text = await racker('fru');
    expect(text.stdout).to.match(/^product name +: Rack Server 1U$/m);
  });

  it('mc info matches ipmitool mc info; mc reset, which ipmi_sim lacks (ipmitool sends it and does not wait), is reported unsupported', async () => {
    const theirs = fields(await ipmitool('mc', 'info'));
    const { mc } = await json<{ mc: { deviceId: number; firmwareRevision: string; ipmiVersion: string; manufacturerId: number; productId: number; available: boolean; supports: string[] } }>('mc', 'info');
    expect(String(mc.deviceId)).to.equal(theirs.get('Device ID'));
    expect(mc.firmwareRevision).to.equal(theirs.get('Firmware Revision'));
    expect(mc.ipmiVersion).to.equal(theirs.get('IPMI Version'));
    expect(String(mc.manufacturerId)).to.equal(theirs.get('Manufacturer ID'));
    expect(`${mc.productId} (0x${mc.productId.toString(16).padStart(4, '0')})`).to.equal(theirs.get('Product ID'));
    expect(mc.available ? 'yes' : 'no').to.equal(theirs.get('Device Available'));
    expect(mc.supports).to.include.members(['sensor device', 'SEL device', 'FRU inventory device', 'chassis device']);

    for (const kind of ['cold', 'warm']) {
      const r = await racker('mc', 'reset', kind, '--json');
      expect(r.code).to.equal(1);
      const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string; hint: string } };
      expect(error.code).to.equal('RACKER_E_BMC_UNSUPPORTED');
      expect(error.message).to.include(`${kind} reset of the BMC`).and.include('invalid command');
      expect(error.hint).to.include(`this BMC takes no ${kind} reset over IPMI`);
    }
    expect((await racker('mc', 'info')).code).to.equal(0);
  });

  it('lan print and chassis status give the values ipmitool prints', async () => {
    const theirs = fields(await ipmitool('lan', 'print', '1'));
    const { lan } = await json<{ lan: { ipAddress: string; subnetMask: string; macAddress: string; defaultGateway: string; cipherSuites: number[]; vlanId?: number } }>('lan', 'print');
    expect(lan.ipAddress).to.equal(theirs.get('IP Address'));
    expect(lan.subnetMask).to.equal(theirs.get('Subnet Mask'));
    expect(lan.macAddress).to.equal(theirs.get('MAC Address'));
    expect(lan.defaultGateway).to.equal(theirs.get('Default Gateway IP'));
    expect(lan.cipherSuites.join(',')).to.equal(theirs.get('RMCP+ Cipher Suites'));
    expect(lan.vlanId === undefined ? 'Disabled' : String(lan.vlanId)).to.equal(theirs.get('802.1q VLAN ID'));

    const chassis = fields(await ipmitool('chassis', 'status'));
    const { status } = await json<{ status: { power: string; restorePolicy: string; intrusion: boolean; driveFault: boolean; coolingFault: boolean } }>('chassis', 'status');
    expect(status.power).to.equal(chassis.get('System Power'));
    expect(status.restorePolicy).to.equal(chassis.get('Power Restore Policy'));
    expect(status.intrusion ? 'active' : 'inactive').to.equal(chassis.get('Chassis Intrusion'));
    expect(String(status.driveFault)).to.equal(chassis.get('Drive Fault'));
    expect(String(status.coolingFault)).to.equal(chassis.get('Cooling/Fan Fault'));
  });

  it('sel clear empties the SEL as ipmitool then sees it; usage errors name the choices', async () => {
    const r = await racker('sel', 'clear');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('SEL cleared');
    expect(fields(await ipmitool('sel', 'info')).get('Entries')).to.equal('0');
    expect((await racker('sel')).stdout.trim()).to.equal('SEL has no entries');
    const bad = await racker('mc', 'reset', 'hard');
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('mc info | mc reset cold|warm');
  });

  it('over Redfish: chassis status, the SEL from the manager\'s SEL log service (list, clear, info); mc reset cold|warm through Manager.Reset', async () => {
    const cert = await selfSignedCertificate(dir as string);
    const bmc = await new RedfishEmulator({ profile: profile('strict-etag'), key: cert.key, cert: cert.chain, user: 'admin', password: PASSWORD }).start();
    try {
      const yaml = `bmc:\n  nodes:\n    "00:11:22:33:44:11": { driver: redfish, address: 127.0.0.1, port: ${bmc.port}, tlsFingerprint: "${cert.fingerprint}" }\n`;
      const redfishRack = await writeFakeRack(join(dir as string, 'redfish'), { password: PASSWORD, configYaml: yaml });
      const chassis = await runRacker(['ipmi', '2', 'chassis', 'status'], redfishRack.env);
      expect(chassis.code, chassis.stderr).to.equal(0);
      expect(chassis.stdout).to.match(/^system power +: (on|off)$/m);
      const sel = await runRacker(['ipmi', '2', 'sel'], redfishRack.env);
      expect(sel.code, sel.stderr).to.equal(0);
      expect(sel.stdout.trimEnd().split('\n')).to.deep.equal([
        '   1 | 12/01/2026 | 10:00:00 | Temperature #0x01 | CPU1 temperature is above the upper critical threshold | Asserted',
        '   2 | 12/01/2026 | 10:05:00 | Temperature #0x01 | CPU1 temperature is back within range | Deasserted',
      ]);
      expect((await runRacker(['ipmi', '2', 'sel', 'clear'], redfishRack.env)).code).to.equal(0);
      expect(bmc.node.sel).to.deep.equal([]);
      const info = await runRacker(['ipmi', '2', 'sel', 'info'], redfishRack.env);
      expect(info.code, info.stderr).to.equal(0);
      expect(fields(info.stdout)).to.deep.equal(new Map([['entries', '0'], ['max records', '512'], ['overwrite policy', 'wraps when full'],
        ['last add', 'not reported by this BMC'], ['last erase', 'not reported by this BMC'], ['overflow', 'not reported by this BMC']]));
      // mc reset: the manager's Manager.Reset, with the DMTF type that means the same.
      const cold = await runRacker(['ipmi', '2', 'mc', 'reset', 'cold'], redfishRack.env);
      expect(cold.code, cold.stderr).to.equal(0);
      expect(cold.stdout).to.include('cold reset of the BMC sent;');
      expect(bmc.node.managerResets).to.deep.equal(['ForceRestart']);
      expect(bmc.openSessions, 'the restart dropped the session; racker sent no logout for it').to.equal(0);
      const warm = await runRacker(['ipmi', '2', 'mc', 'reset', 'warm', '--json'], redfishRack.env);
      expect(warm.code, warm.stderr).to.equal(0);
      expect(JSON.parse(warm.stdout)).to.deep.include({ kind: 'mc-reset', reset: 'warm', answered: true });
      expect(bmc.node.managerResets).to.deep.equal(['ForceRestart', 'GracefulRestart']);
      // A BMC that allows only a graceful restart: cold is refused before anything is sent, and the hint names warm.
      bmc.managerResetTypes = ['GracefulRestart'];
      const refused = await runRacker(['ipmi', '2', 'mc', 'reset', 'cold', '--json'], redfishRack.env);
      expect(refused.code).to.equal(1);
      const { error } = JSON.parse(refused.stderr) as { error: { code: string; message: string; hint: string } };
      expect(error.code).to.equal('RACKER_E_BMC_UNSUPPORTED');
      expect(error.message).to.include('the manager allows the reset types GracefulRestart, not ForceRestart');
      expect(error.hint).to.include('racker ipmi NODE mc reset warm');
      // One that advertises no types is sent the standard's.
      bmc.managerResetTypes = undefined;
      expect((await runRacker(['ipmi', '2', 'mc', 'reset', 'cold'], redfishRack.env)).code).to.equal(0);
      expect(bmc.node.managerResets).to.deep.equal(['ForceRestart', 'GracefulRestart', 'ForceRestart']);
    } finally {
      await bmc.stop();
    }
  });

  it('over Redfish: fru from the system and its chassis, mc info from the manager, lan print from its NIC, sel info from the log service; --json as over IPMI', async () => {
    const cert = await selfSignedCertificate(dir as string);
    const bmc = await new RedfishEmulator({ profile: profile('dmtf'), key: cert.key, cert: cert.chain, user: 'admin', password: PASSWORD }).start();
    try {
      const yaml = `bmc:\n  nodes:\n    "00:11:22:33:44:11": { driver: redfish, address: 127.0.0.1, port: ${bmc.port}, tlsFingerprint: "${cert.fingerprint}" }\n`;
      const env = (await writeFakeRack(join(dir as string, 'redfish-full'), { password: PASSWORD, configYaml: yaml })).env;
      const show = async (...args: string[]): Promise<Map<string, string>> => {
        const r = await runRacker(['ipmi', '2', ...args], env);
        expect(r.code, r.stderr).to.equal(0);
        return fields(r.stdout);
      };
      expect(await show('fru')).to.deep.equal(new Map([
        ['chassis type', 'RackMount'], ['chassis part number', 'CH-PN-2'], ['chassis serial', 'CH-EMU-1'],
        ['product manufacturer', 'racker'], ['product name', 'Emulated Server 1U'], ['product part number', 'PN-1U-7'], ['product serial', 'SN-EMU-1'], ['product asset tag', 'ASSET-1'],
        ['product SKU', 'SKU-1U-A'], ['BIOS version', '1.14.2'], ['memory', '384 GiB'], ['processors', '2'], ['processor model', 'Emulated CPU 16-core'], ['system UUID', bmc.node.uuid],
      ]));
      const fru = JSON.parse((await runRacker(['ipmi', '2', 'fru', '--json'], env)).stdout) as { fru: Record<string, unknown> };
      expect(fru.fru).to.deep.include({ productSerial: 'SN-EMU-1', biosVersion: '1.14.2', memoryGiB: 384, processorCount: 2 });
      expect(fru.fru).to.not.have.property('notReported');
      expect(await show('mc', 'info')).to.deep.equal(new Map([
        ['firmware revision', '2.81.81.81'], ['manufacturer', 'racker'], ['model', 'Emulated BMC 9'], ['manager type', 'BMC'], ['UUID', '3f2504e0-4f89-11d3-9a0c-030500000001'],
        ['status', 'Enabled, health OK'], ['available', 'yes'],
      ]));
      expect(await show('lan', 'print')).to.deep.equal(new Map([
        ['channel', '1'], ['interface', 'eth0'], ['IP address source', 'dhcp'], ['IP address', '10.0.1.11'], ['subnet mask', '255.255.255.0'],
        ['MAC address', bmc.node.managerMac], ['default gateway', '10.0.1.1'], ['802.1q VLAN', '42'], ['VLAN priority', '3'],
      ]));
      const lan = JSON.parse((await runRacker(['ipmi', '2', 'lan', 'print', '--json'], env)).stdout) as { lan: Record<string, unknown> };
      expect(lan.lan).to.deep.equal({ channel: 1, interface: 'eth0', ipSource: 'dhcp', ipAddress: '10.0.1.11', subnetMask: '255.255.255.0', defaultGateway: '10.0.1.1', macAddress: bmc.node.managerMac, vlanId: 42, vlanPriority: 3 });
      const second = await runRacker(['ipmi', '2', 'lan', 'print', '2'], env);
      expect(second.code).to.equal(1);
      expect(second.stderr).to.include('the manager has 1 network interface (/redfish/v1/Managers/BMC1/EthernetInterfaces/eth0), no channel 2');
      const sel = await show('sel', 'info');
      expect([sel.get('entries'), sel.get('max records'), sel.get('overwrite policy')]).to.deep.equal(['2', '512', 'wraps when full']);
    } finally {
      await bmc.stop();
    }
  });

  it('over Redfish, a BMC that leaves fields out or empty: each says "not reported by this BMC" instead of failing', async () => {
    const cert = await selfSignedCertificate(dir as string);
    const bmc = await new RedfishEmulator({ profile: profile('multi-system'), key: cert.key, cert: cert.chain, user: 'admin', password: PASSWORD }).start();
    try {
      // The second blade is this node's: pinned by its UUID, as an operator would.
      const yaml = `bmc:\n  nodes:\n    "00:11:22:33:44:11": { driver: redfish, address: 127.0.0.1, port: ${bmc.port}, tlsFingerprint: "${cert.fingerprint}", systemUuid: "${bmc.node.uuid}" }\n`;
      const env = (await writeFakeRack(join(dir as string, 'redfish-sparse'), { password: PASSWORD, configYaml: yaml })).env;
      const show = async (...args: string[]): Promise<Map<string, string>> => {
        const r = await runRacker(['ipmi', '2', ...args], env);
        expect(r.code, r.stderr).to.equal(0);
        return fields(r.stdout);
      };
      const gap = 'not reported by this BMC';
      const fru = await show('fru');
      expect(fru.get('product name')).to.equal('Emulated Blade');
      expect(fru.get('memory')).to.equal('64 GiB');
      for (const f of ['product serial', 'product SKU', 'product part number', 'BIOS version', 'processors', 'processor model', 'chassis serial']) expect(fru.get(f), f).to.equal(gap);
      expect(fru.has('board serial')).to.equal(false); // Redfish has no board area: nothing to report, not a gap
      const mc = await show('mc', 'info');
      expect([mc.get('firmware revision'), mc.get('model'), mc.get('UUID'), mc.get('manager type')]).to.deep.equal([gap, gap, gap, 'BMC']);
      const lan = await show('lan', 'print');
      expect([lan.get('IP address'), lan.get('IP address source'), lan.get('802.1q VLAN'), lan.get('MAC address')]).to.deep.equal([gap, gap, gap, bmc.node.managerMac]);
      const info = await show('sel', 'info');
      expect([info.get('entries'), info.get('max records'), info.get('overwrite policy')]).to.deep.equal(['2', gap, gap]);
      const json = JSON.parse((await runRacker(['ipmi', '2', 'mc', 'info', '--json'], env)).stdout) as { mc: { notReported: string[] } };
      expect(json.mc.notReported).to.include.members(['firmwareRevision', 'model', 'uuid']);
    } finally {
      await bmc.stop();
    }
  });
});
