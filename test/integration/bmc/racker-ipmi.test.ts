/**
 * `bin/racker ipmi` end to end: a fake rack whose bmc.nodes pins two BMCs to ipmi_sim on loopback
 * and a third to a port nobody answers.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { racker } from '../../lib/paths.js';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { IpmiSim, freeUdpPort, stopAllSims } from '../../lib/ipmi-sim.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { RedfishEmulator } from '../../lib/redfish-emulator.js';
import { profile } from '../../lib/redfish-profiles.js';
import { selfSignedCertificate } from '../../lib/bmc-certificates.js';

const PASSWORD = 'Rack-Pa55word';

interface Run { code: number; stdout: string; stderr: string }
function rackerRun(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [racker, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

describe('racker ipmi against ipmi_sim', function () {
  this.timeout(90_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let simA: IpmiSim;
  let simB: IpmiSim;
  let silentPort: number;
  let bmcYaml: string;

  before(async () => {
    dir = await makeTempDir('racker-ipmi-cli-');
    const users = [{ id: 2, name: 'admin', password: PASSWORD, privilege: 'admin' as const }];
    const [pa, pb] = [await freeUdpPort(), await freeUdpPort()];
    silentPort = await freeUdpPort();
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    simA = await IpmiSim.start({ dir: join(dir, 'a'), lans: [{ address: '127.0.0.1', port: pa }], users });
    simB = await IpmiSim.start({ dir: join(dir, 'b'), lans: [{ address: '127.0.0.1', port: pb }], users, power: 1 });
    bmcYaml = `bmc:
  cipherSuites: [17, 3]
  timeoutMs: 1000
  retries: 1
  retransmitMs: 200
  nodes:
    "00:11:22:33:44:11": { address: 127.0.0.1, port: ${pa} }
    "00-11-22-33-44-21": { address: 127.0.0.1, port: ${pb} }
    "00:11:22:33:44:61": { address: 127.0.0.1, port: ${silentPort} }
`;
    rack = await writeFakeRack(join(dir, 'rack'), { password: PASSWORD, configYaml: bmcYaml });
  });

  after(async () => {
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('powers a node named by its row number on, and reads status by its BMC MAC in another format', async () => {
    const on = await rackerRun(rack.env, 'ipmi', '2', 'power', 'on');
    expect(on.code, on.stderr).to.equal(0);
    expect(on.stdout).to.include('on done, power on');
    expect((await simA.chassis()).power).to.equal(1);
    const status = await rackerRun(rack.env, 'ipmi', '00-11-22-33-44-11', 'power', 'status', '--json');
    expect(JSON.parse(status.stdout)).to.deep.include({ row: 2, bmc: '127.0.0.1', kind: 'power', power: 'on' });
  });

  it('sets PXE persistent EFI by primary MAC without separators and by host name', async () => {
    const r = await rackerRun(rack.env, 'ipmi', '001122334420', 'bootdev', 'pxe', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { node: string; result: { readBack: { device: string } } };
    expect(out.result.readBack.device).to.equal('pxe');
    expect(simB.requests().filter((q) => q.netFn === 0 && q.command === 8).at(-1)?.data).to.deep.equal([5, 0xe0, 0x04, 0, 0, 0]);
    const legacy = await rackerRun(rack.env, 'ipmi', out.node, 'bootdev', 'disk', '--once', '--legacy');
    expect(legacy.code, legacy.stderr).to.equal(0);
    expect(simB.requests().filter((q) => q.netFn === 0 && q.command === 8).at(-1)?.data).to.deep.equal([5, 0x80, 0x08, 0, 0, 0]);
  });

  it('shows diag in words', async () => {
    const r = await rackerRun(rack.env, 'ipmi', '3', 'diag');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/BMC MAC\s+00:11:22:33:44:21\s+address 127\.0\.0\.1/);
    expect(r.stdout).to.match(/BMC reachable\s+yes/);
    expect(r.stdout).to.match(/boot flags\s+disk/);
    expect(r.stdout).to.match(/adapted to\s+cipher suite 17 refused: using 3/); // ipmi_sim refuses suite 17
  });

  it('shows, for a Redfish BMC, what racker detected and adapts to', async () => {
    const cert = await selfSignedCertificate(dir as string);
    const bmc = await new RedfishEmulator({ profile: profile('strict-etag'), key: cert.key, cert: cert.chain, user: 'admin', password: PASSWORD }).start();
    try {
      const yaml = `bmc:\n  nodes:\n    "00:11:22:33:44:21": { driver: redfish, address: 127.0.0.1, port: ${bmc.port}, tlsFingerprint: "${cert.fingerprint}" }\n`;
      const redfishRack = await writeFakeRack(join(dir as string, 'redfish'), { password: PASSWORD, configYaml: yaml });
      const r = await rackerRun(redfishRack.env, 'ipmi', '3', 'diag');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/\(redfish\)/);
      expect(r.stdout).to.match(/adapted to\s+no LocationIndicatorActive: identify uses IndicatorLED\n\s+ETag required \(428 without If-Match\)/);
      expect(bmc.node.boot.BootSourceOverrideTarget).to.equal('None'); // the probe changed nothing
    } finally {
      await bmc.stop();
    }
  });

  it('runs --all in parallel: one line per node, a count, exit 1 when one failed', async () => {
    const r = await rackerRun(rack.env, 'ipmi', '--all', 'power', 'status');
    expect(r.code).to.equal(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.have.length(4);
    expect(lines.filter((l) => / power on$/.test(l))).to.have.length(2);
    expect(lines.find((l) => l.includes(`127.0.0.1:${silentPort}`))).to.include('FAILED RACKER_E_BMC_TIMEOUT');
    expect(lines[3]).to.equal('2 of 3 nodes succeeded, 1 failed');
    const json = JSON.parse((await rackerRun(rack.env, 'ipmi', '--all', 'sensors', '--json')).stdout) as { succeeded: number; failed: number };
    expect(json).to.deep.include({ succeeded: 2, failed: 1 });
  });

  it('explains an unknown node, a usage error and wrong credentials without printing the password', async () => {
    const unknown = await rackerRun(rack.env, 'ipmi', 'aa:bb:cc:dd:ee:ff', 'power', 'status');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include('no node "aa:bb:cc:dd:ee:ff"');
    const usage = await rackerRun(rack.env, 'ipmi', '2', 'bootdev', 'floppy');
    expect(usage.code).to.equal(2);
    const bad = await writeFakeRack(join(dir as string, 'bad'), { password: 'Not-The-Pa55', configYaml: bmcYaml });
    const auth = await rackerRun(bad.env, 'ipmi', '2', 'power', 'status');
    expect(auth.code).to.equal(1);
    expect(auth.stderr).to.match(/node node-0?2: BMC 127\.0\.0\.1:\d+: /).and.include('wrong user name or password');
    expect(auth.stderr + auth.stdout).not.to.include('Not-The-Pa55').and.not.to.include(PASSWORD);
  });
});
