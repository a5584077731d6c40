/**
 * What a BMC says about its server, as the product reads and keeps it: the real agent process
 * (`racker agent`, composed as the product composes it) runs a real bootstrap against three BMCs,
 * a real ipmi_sim holding a FRU image, an ipmi_sim without one, and the project's Redfish emulator
 * over HTTPS. At the BMC check the agent reads FRU 0 / the Redfish System and keeps it in the
 * node's record: `racker inventory --json` shows it; the BMC without FRU holds up nothing (the job
 * notes it and goes on). Then the test plays the install boots' inventory reports: node-02's server
 * reports another SMBIOS serial than its BMC (the wrong server on that BMC), which is a warning
 * event, flagged by `racker inventory` and `racker status --full`; node-04's matches and is not.
 */
import { expect } from 'chai';
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { writeSignedFlatcarStandIns } from '../../lib/installer-fixtures.js';
import { freePort, isReady, runRacker, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { call } from '../../lib/agent-api.js';
import { IpmiSim, freeUdpPort, stopAllSims } from '../../lib/ipmi-sim.js';
import { fruImage } from '../../../sim/fru-image.js';
import { RedfishEmulator } from '../../lib/redfish-emulator.js';
import { profile } from '../../lib/redfish-profiles.js';
import { selfSignedCertificate } from '../../lib/bmc-certificates.js';
import { testData } from '../../lib/paths.js';
import { stateFiles } from '../../../agent/config/paths.js';
import { PHONE_HOME_PATH } from '../../../agent/boot/phone-home.js';
import { loadJobState } from '../../../agent/daemon/wiring/job-state-sink.js';

const PASSWORD = 'Facts-Pa55word';
const VERSION = '4081.2.0';
// node-02 (ipmi_sim with FRU), node-03 (ipmi_sim without), node-04 (Redfish), as the fake rack names them.
const N2 = { mac: '00:11:22:33:44:10', bmc: '00:11:22:33:44:11' };
const N3 = { mac: '00:11:22:33:44:20', bmc: '00:11:22:33:44:21' };
const N4 = { mac: '00:11:22:33:44:60', bmc: '00:11:22:33:44:61' };
const FRU = fruImage({
  chassis: { type: 23, part: 'CH-PART-1', serial: 'CH-SER-1' },
  board: { minutesSince1996: 15_000_000, manufacturer: 'Racker Boards', product: 'RB-1', serial: { sixBit: 'BSN12345' }, part: 'BP-77' },
  product: { manufacturer: 'Racker', name: 'Rack Server 1U', part: 'RS1U', version: 'v2', serial: 'PSN-0042', assetTag: 'ASSET-9' },
});

interface InventoryJson { node: string; bmc: Record<string, unknown> | null; serialMismatch: { bmc: string; smbios: string } | null }

describe('racker agent as a process: the BMC check keeps what each BMC says about its server, and a serial mismatch is a warning', function () {
  this.timeout(180_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let bootPort: number;
  let redfish: RedfishEmulator | undefined;
  let agent: AgentProcess | undefined;
  let rackFor: (name: string, readServerFacts: boolean) => Promise<FakeRack>;

  const socket = (): string => join(rack.runDir, 'agent.sock');
  const phases = async (): Promise<Map<string, string>> => {
    const nodes = (await call(socket(), 'GET', '/v1/nodes')).json() as { nodes: { mac: string; phase: { name: string } }[] };
    return new Map(nodes.nodes.map((n) => [n.mac, n.phase.name]));
  };
  async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (phases: ${JSON.stringify([...(await phases().catch(() => new Map<string, string>()))])})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const inventory = async (): Promise<Map<string, InventoryJson>> => {
    const r = await runRacker(['inventory', '--json'], rack.env);
    expect(r.code, r.stderr).to.equal(0);
    return new Map((JSON.parse(r.stdout) as InventoryJson[]).map((n) => [n.node, n]));
  };
  /** The install boot's inventory report, as bootstrap/ignition/inventory.ts sends it, with the server's SMBIOS serial. */
  const inspect = async (mac: string, serial: string): Promise<number> => {
    const tokens = JSON.parse(await readFile(stateFiles(rack.stateDir).phoneHomeTokens, 'utf8')) as Record<string, { token: string }>;
    const body = JSON.stringify({ mac, status: 'inventory', inventory: {
      system: { vendor: 'Racker', product: 'Rack Server 1U', serial, uuid: '6a0c1d2e-0000-4000-8000-000000000002' },
      cpu: { model: 'Emulated CPU', count: 2, sockets: 1 }, memoryBytes: 2_052_000_000,
      nics: [{ name: 'eth0', mac, driver: 'virtio_net', speedMbps: null }],
      disks: JSON.parse(await readFile(testData('lsblk', 'sim.json'), 'utf8')) as unknown,
    } });
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: bootPort, path: PHONE_HOME_PATH, method: 'POST', agent: false,
        headers: { Authorization: `Bearer ${tokens[mac]?.token ?? ''}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  };

  before(async () => {
    dir = await makeTempDir('racker-bmc-facts-');
    // Flatcar images as the job checks them: files signed with a throwaway key made here.
    const { images, cert: flatcarCert } = await writeSignedFlatcarStandIns(dir, VERSION);
    const users = [{ id: 2, name: 'admin', password: PASSWORD, privilege: 'admin' as const }];
    const withFru = await freeUdpPort();
    await IpmiSim.start({ dir: join(dir, 'bmc-2'), lans: [{ address: '127.0.0.1', port: withFru }], users, fru: FRU });
    const withoutFru = await freeUdpPort();
    await IpmiSim.start({ dir: join(dir, 'bmc-3'), lans: [{ address: '127.0.0.1', port: withoutFru }], users });
    const cert = await selfSignedCertificate(dir);
    redfish = await new RedfishEmulator({ profile: profile('dmtf'), key: cert.key, cert: cert.chain, user: 'admin', password: PASSWORD }).start();
    bootPort = await freePort();
    // As writeFakeRack's isolated rack (nothing leaves loopback), with one Redfish BMC among the IPMI ones.
    rackFor = async (name, readServerFacts) => writeFakeRack(join(dir as string, name), {
      password: PASSWORD,
      configYaml: [
        'network:\n  configureInterface: false',
        'dhcp:\n  enabled: false',
        // The test plays the nodes from 127.0.0.1, not from their reserved addresses.
        `boot:\n  listenAddress: 127.0.0.1\n  port: ${bootPort}\n  restrictIgnitionToNode: false`,
        // ipmi_sim reports the boot device but not the valid/persistent/EFI bits, and no suite 17.
        'bmc:\n  cipherSuites: [3]\n  bootFlagsReadBack: device-only\n  nodes:',
        '    "00:11:22:33:44:01": { address: 127.0.0.1, port: 9 }',
        `    "${N2.bmc}": { address: 127.0.0.1, port: ${withFru} }`,
        `    "${N3.bmc}": { address: 127.0.0.1, port: ${withoutFru} }`,
        `    "${N4.bmc}": { driver: redfish, address: 127.0.0.1, port: ${redfish?.port ?? 0}, tlsFingerprint: "${cert.fingerprint}" }`,
        `agent:\n  metricsPort: 0\n  bmcPoll:\n    readServerFacts: ${readServerFacts}`,
        `bootstrap:\n  flatcar: { localDir: ${images}, signingKey: ${flatcarCert}, version: "${VERSION}" }`,
      ].join('\n') + '\n',
    });
  });
  after(async () => {
    await agent?.kill('SIGKILL');
    await redfish?.stop();
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('keeps FRU 0 over IPMI and the System over Redfish per node, goes on past a BMC without FRU, and warns when the SMBIOS serial is another', async () => {
    // Only the BMC check reads them here: the poller's reading at start is off.
    rack = await rackFor('bootstrap', false);
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady);
    const submit = await runRacker(['bootstrap', '--yes', '--provision', 'flatcar', '--ssh-key', '', '--on-failure', 'cancel', '--no-wait', '--json'], rack.env);
    expect(submit.code, submit.stderr).to.equal(0);
    const jobId = (JSON.parse(submit.stdout) as { job: { id: string } }).job.id;
    // Past their BMC checks and power cycles, the job waits for the nodes to boot.
    await until('every node to wait for DHCP', async () => { const p = await phases(); return [N2, N3, N4].every((n) => p.get(n.mac) === 'dhcp'); }, 120_000);

    const before = await inventory();
    expect(before.get('node-02')?.bmc).to.deep.include({ driver: 'ipmi', manufacturer: 'Racker', model: 'Rack Server 1U', serial: 'PSN-0042', partNumber: 'RS1U',
      boardManufacturer: 'Racker Boards', boardProduct: 'RB-1', boardSerial: 'BSN12345', chassisSerial: 'CH-SER-1' });
    expect(before.get('node-03')?.bmc, 'ipmi_sim without FRU data').to.equal(null);
    expect(before.get('node-04')?.bmc).to.deep.include({ driver: 'redfish', manufacturer: 'racker', model: 'Emulated Server 1U', serial: 'SN-EMU-1', partNumber: 'PN-1U-7',
      sku: 'SKU-1U-A', biosVersion: '1.14.2', memoryGiB: 384, processorCount: 2, processorModel: 'Emulated CPU 16-core', chassisSerial: 'CH-EMU-1' });
    const job = await loadJobState(rack.stateDir, jobId);
    const notes = (mac: string) => (job?.nodes[mac]?.history ?? []).map((h) => h.note).filter((n) => n !== undefined);
    expect(notes(N3.mac).join('\n')).to.match(/^the server's facts were not read from its BMC \(the check goes on\): BMC error while reading what it says about the server \(FRU\): /m);
    expect(notes(N2.mac)).to.deep.equal([]);
    // Before any inspection: the table shows what the BMC said.
    const table = await runRacker(['inventory'], rack.env);
    expect(table.stdout).to.match(/^node-02 +Racker Rack Server 1U \(BMC\) +- +PSN-0042 +- +/m);
    expect(table.stdout).to.match(/^node-04 +racker Emulated Server 1U \(BMC\) +- +SN-EMU-1 +1\.14\.2 +2 +384G/m);

    // node-02's install boot reports another server's serial; node-04's reports its own.
    expect(await inspect(N2.mac, 'OTHER-SRV-7')).to.equal(204);
    expect(await inspect(N4.mac, 'SN-EMU-1')).to.equal(204);
    const after = await inventory();
    expect(after.get('node-02')?.serialMismatch).to.deep.include({ bmc: 'PSN-0042', smbios: 'OTHER-SRV-7' });
    expect(after.get('node-04')?.serialMismatch).to.equal(null);
    expect((await runRacker(['inventory'], rack.env)).stdout).to.match(/^node-02 +Racker Rack Server 1U +OTHER-SRV-7 +PSN-0042 MISMATCH /m);
    const one = await runRacker(['inventory', 'node-02'], rack.env);
    expect(one.stdout).to.contain('  BMC says: Racker Rack Server 1U, serial PSN-0042, part RS1U, BIOS -, board Racker Boards RB-1 serial BSN12345 (ipmi, read ');
    expect(one.stdout).to.contain('  WARNING: the BMC reports serial PSN-0042 but the server that booted as this node reports OTHER-SRV-7 (SMBIOS)');
    const full = await runRacker(['status', '--full'], rack.env);
    expect(full.code, full.stderr).to.equal(0);
    expect(full.stdout).to.contain('  WARNING: the BMC reports serial PSN-0042 but the server that booted as this node reports OTHER-SRV-7 (SMBIOS): the wrong server is cabled to this BMC, or the row\'s MACs belong to another server');
    expect(full.stdout).to.contain('  BMC says: racker Emulated Server 1U serial SN-EMU-1, BIOS 1.14.2, 2× Emulated CPU 16-core, 384 GiB (redfish)');
    // One warning event, for node-02 only; the same report again does not repeat it.
    expect(await inspect(N2.mac, 'OTHER-SRV-7')).to.equal(204);
    const events = (await readFile(join(rack.stateDir, 'events.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; level: string; node?: string });
    expect(events.filter((e) => e.type === 'node.serial-mismatch').map((e) => [e.node, e.level])).to.deep.equal([[N2.mac, 'warn']]);
    expect(events.filter((e) => e.type === 'node.bmc-facts').map((e) => e.node).sort()).to.deep.equal([N2.mac, N4.mac]);
    await agent.kill('SIGKILL');
    agent = undefined;
  });

  it('without a bootstrap, the BMC poller reads them once after the agent starts (agent.bmcPoll.readServerFacts, the default)', async () => {
    rack = await rackFor('poller', true);
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady);
    await until('the poller to read node-02\'s and node-04\'s BMC facts', async () => {
      const inv = await inventory();
      return inv.get('node-02')?.bmc !== null && inv.get('node-04')?.bmc !== null;
    }, 60_000);
    const inv = await inventory();
    expect([inv.get('node-02')?.bmc?.serial, inv.get('node-03')?.bmc, inv.get('node-04')?.bmc?.serial]).to.deep.equal(['PSN-0042', null, 'SN-EMU-1']);
    expect((await call(socket(), 'GET', '/v1/jobs')).json()).to.deep.include({ jobs: [] });
  });
});
