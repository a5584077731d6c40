/**
 * Several nodes behind one Redfish service (a chassis manager for several blades), as the product
 * runs it: the real agent process (`racker agent`, composed as the product composes it) with the
 * three servers of the fake rack each pinned to the same emulated service (bmc.nodes."<BMC MAC>":
 * one address and port, its own systemUuid). A bootstrap powers every server on; each node's
 * power action must land on its own system. The BMC pool once kept one client per endpoint, built
 * for whichever node asked first, so every node drove that node's system: one blade was power
 * cycled three times and the other two never came on.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { writeSignedFlatcarStandIns } from '../../lib/installer-fixtures.js';
import { freePort, isReady, runRacker, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { call } from '../../lib/agent-api.js';
import { RedfishEmulator } from '../../lib/redfish-emulator.js';
import { profile } from '../../lib/redfish-profiles.js';
import { selfSignedCertificate } from '../../lib/bmc-certificates.js';

const PASSWORD = 'Blades-Pa55word';
const VERSION = '4081.2.0';
/** The fake rack's servers (node-02, node-03, node-04) by BMC MAC. */
const BMC_MACS = ['00:11:22:33:44:11', '00:11:22:33:44:21', '00:11:22:33:44:61'];

describe('racker agent as a process: nodes pinned to one multi-system Redfish service each drive their own system', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let redfish: RedfishEmulator | undefined;
  let agent: AgentProcess | undefined;

  before(async () => {
    dir = await makeTempDir('racker-shared-redfish-');
    const { images, cert: flatcarCert } = await writeSignedFlatcarStandIns(dir, VERSION);
    const cert = await selfSignedCertificate(dir);
    redfish = await new RedfishEmulator({ profile: profile('multi-system'), key: cert.key, cert: cert.chain, user: 'admin', password: PASSWORD }).start();
    const systems = redfish.systems;
    // Pinned in the reverse order of the service's members: the first member is nobody's default.
    const pins = BMC_MACS.map((mac, i) => `    "${mac}": { driver: redfish, address: 127.0.0.1, port: ${redfish?.port ?? 0}, tlsFingerprint: "${cert.fingerprint}", systemUuid: "${systems[systems.length - 1 - i]?.uuid ?? ''}" }`);
    rack = await writeFakeRack(join(dir, 'rack'), {
      password: PASSWORD,
      configYaml: [
        'network:\n  configureInterface: false',
        'dhcp:\n  enabled: false',
        `boot:\n  listenAddress: 127.0.0.1\n  port: ${await freePort()}\n  restrictIgnitionToNode: false`,
        'bmc:\n  nodes:',
        '    "00:11:22:33:44:01": { address: 127.0.0.1, port: 9 }',
        ...pins,
        'agent:\n  metricsPort: 0',
        `bootstrap:\n  flatcar: { localDir: ${images}, signingKey: ${flatcarCert}, version: "${VERSION}" }`,
      ].join('\n') + '\n',
    });
  });
  after(async () => {
    await agent?.kill('SIGKILL');
    await redfish?.stop();
    await removeTempDir(dir);
  });

  it('a bootstrap powers on every blade, each through its own pinned system', async () => {
    expect(redfish?.systems.map((s) => s.power)).to.deep.equal(['Off', 'Off', 'Off']);
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady);
    const submit = await runRacker(['bootstrap', '--yes', '--provision', 'flatcar', '--ssh-key', '', '--on-failure', 'cancel', '--no-wait', '--json'], rack.env);
    expect(submit.code, submit.stderr).to.equal(0);
    // Past their BMC checks, boot overrides and power cycles, the job waits for the nodes to boot.
    const socket = join(rack.runDir, 'agent.sock');
    const end = Date.now() + 90_000;
    let phases: string[];
    for (;;) {
      const nodes = (await call(socket, 'GET', '/v1/nodes')).json() as { nodes: { hostname: string; phase: { name: string } }[] };
      phases = nodes.nodes.filter((n) => n.hostname !== 'node-01').map((n) => `${n.hostname} ${n.phase.name}`);
      if (phases.every((p) => p.endsWith(' dhcp'))) break;
      if (phases.some((p) => / (failed|cancelled)$/.test(p)) || Date.now() > end) throw new Error(`not every node reached dhcp: ${phases.join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Every blade is on, and each took one power-on: none was cycled on another node's behalf.
    expect(redfish?.systems.map((s) => s.power), phases.join(', ')).to.deep.equal(['On', 'On', 'On']);
  });
});
