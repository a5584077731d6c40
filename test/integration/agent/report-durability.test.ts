/**
 * A phone-home report the agent acknowledged survives a SIGKILL right after: the real agent process
 * (`racker agent`, composed as the product composes it) runs a real bootstrap job against a real
 * ipmi_sim BMC; the test plays node-02, reports `installed` while the job waits for the node, and
 * kills the agent with SIGKILL the moment the 204 arrives, before the job can have saved what it
 * did with the report. Started again, the resumed job must move on from the report it was told
 * (boot device disk, then waiting for the installed system) with no second report, and the report
 * stays made: a replay is refused. Without the report kept before the answer, the resumed job
 * waits for a report the node will never send again (it was told 204).
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
import { stateFiles } from '../../../agent/config/paths.js';
import { PHONE_HOME_PATH } from '../../../agent/boot/phone-home.js';

const NODE = '00:11:22:33:44:10'; // node-02 of the fake rack
const NODE_BMC = '00:11:22:33:44:11';
const PASSWORD = 's3cret-Pa55';
const VERSION = '4081.2.0';

/** POST a phone-home report; `onAnswer` runs as soon as the status line is in, before anything else. */
function report(port: number, token: string, status: string, onAnswer: (code: number) => void = () => undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ mac: NODE, status });
    const req = request({ host: '127.0.0.1', port, path: PHONE_HOME_PATH, method: 'POST', agent: false,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      onAnswer(res.statusCode ?? 0);
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('racker agent as a process: a phone-home report acknowledged just before SIGKILL', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let bootPort: number;
  let sim: IpmiSim;
  const agents: AgentProcess[] = [];

  const socket = (): string => join(rack.runDir, 'agent.sock');
  const start = async (): Promise<AgentProcess> => {
    const a = startAgent(rack.env);
    agents.push(a);
    await a.waitForLog(isReady);
    return a;
  };
  const phase = async (): Promise<string | undefined> => {
    const nodes = (await call(socket(), 'GET', '/v1/nodes')).json() as { nodes: { mac: string; phase: { name: string } }[] };
    return nodes.nodes.find((n) => n.mac === NODE)?.phase.name;
  };
  async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (node-02 is in ${await phase().catch(() => '?')})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  before(async () => {
    dir = await makeTempDir('racker-report-');
    // Flatcar images as the job checks them: files signed with a throwaway key made here.
    const { images, cert } = await writeSignedFlatcarStandIns(dir, VERSION);
    const bmcPort = await freeUdpPort();
    sim = await IpmiSim.start({ dir: join(dir, 'bmc'), lans: [{ address: '127.0.0.1', port: bmcPort }], users: [{ id: 2, name: 'admin', password: PASSWORD, privilege: 'admin' }] });
    bootPort = await freePort();
    rack = await writeFakeRack(join(dir, 'rack'), {
      password: PASSWORD,
      isolated: {
        bootPort,
        // The test plays the node from 127.0.0.1, not from its reserved address.
        boot: '  restrictIgnitionToNode: false',
        // ipmi_sim reports the boot device but not the valid/persistent/EFI bits, and no suite 17.
        bmc: '  cipherSuites: [3]\n  bootFlagsReadBack: device-only',
        bmcPorts: { [NODE_BMC]: bmcPort },
      },
      configYaml: `bootstrap:\n  flatcar: { localDir: ${images}, signingKey: ${cert}, version: "${VERSION}" }\n`,
    });
  });
  after(async () => {
    for (const a of agents.splice(0)) await a.kill('SIGKILL');
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('the restarted agent\'s resumed job acts on it without a second report, and a replay is refused', async () => {
    const first = await start();
    const submit = await runRacker(['bootstrap', '--yes', '--provision', 'flatcar', '--ssh-key', '', '--node', 'node-02', '--on-failure', 'cancel', '--no-wait'], rack.env);
    expect(submit.code, submit.stderr).to.equal(0);
    // Past its power cycle, the job waits for the node to boot.
    await until('the job to wait for node-02', async () => (await phase()) === 'dhcp', 60_000);
    const tokens = JSON.parse(await readFile(stateFiles(rack.stateDir).phoneHomeTokens, 'utf8')) as Record<string, { token: string }>;
    const token = tokens[NODE]?.token as string;
    const bootSetsBefore = (await sim.chassis()).events.filter((e) => e.startsWith('set boot'));

    // The node reports installed; the agent dies the moment it has said 204.
    const answered = await report(bootPort, token, 'installed', (code) => {
      if (code === 204 && first.child.pid !== undefined) process.kill(first.child.pid, 'SIGKILL');
    });
    expect(answered).to.equal(204);
    expect(await first.exited).to.equal(137);

    await start();
    // Resumed: boot-disk (boot device disk at the BMC), then the wait for the installed system.
    await until('the resumed job to act on the report', async () => (await phase()) === 'reboot', 60_000);
    // ipmi_sim's chassis program calls racker's disk boot (Force boot from default hard drive) "default".
    expect((await sim.chassis()).events.filter((e) => e.startsWith('set boot')).slice(bootSetsBefore.length)).to.deep.equal(['set boot default']);
    // Made before the kill: a replay stays refused.
    expect(await report(bootPort, token, 'installed')).to.equal(409);
  });
});
