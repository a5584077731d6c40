/**
 * `racker factory check --live`, `reset` and `gen-ssh-key`, run as the real binary against a
 * temporary rack: real ipmi_sim BMCs on loopback, real ipmitool, real ssh-keygen.
 */
import { expect } from 'chai';
import { mkdir, readFile, readdir, stat, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { writeFakeRack, MGMT, type FakeRack } from '../../lib/fake-rack.js';
import { IpmiSimBmc, freeUdpPort } from '../../lib/ipmi-sim-lite.js';
import { racker } from '../../lib/paths.js';
import { exec } from '../../../agent/lib/exec.js';
import { NODES_CSV_HEADER } from '../../../agent/inventory/nodes-csv.js';
import { TmuxTerminal } from '../../lib/tmux.js';
import { stateFiles } from '../../../agent/config/paths.js';
import { FakeAgentApi } from '../../lib/fake-agent-api.js';
import { agentSocketPath } from '../../../factory/agent-client.js';

const run = (rack: FakeRack, ...args: string[]) =>
  exec(process.execPath, [racker, 'factory', ...args], { env: { RACKER_CONFIG: rack.configPath }, okExitCodes: [0, 1, 2], timeoutMs: 60_000 });
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

describe('racker factory check --live (ipmi_sim, through the BMC layer)', function () {
  this.timeout(60_000);
  let dir: string;
  const bmcs: IpmiSimBmc[] = [];
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => {
    for (const b of bmcs.splice(0)) await b.stop();
    await removeTempDir(dir);
  });

  it('reaches every BMC in parallel with the rack credentials and names the one that does not answer', async () => {
    const good = new IpmiSimBmc(join(dir, 'bmc1'), 'admin', 's3cret-Pa55');
    const wrongPassword = new IpmiSimBmc(join(dir, 'bmc2'), 'admin', 'another-Pa55');
    bmcs.push(good, wrongPassword);
    await Promise.all([good.start(), wrongPassword.start()]);
    const silent = await freeUdpPort(); // nothing listens there
    const rack = await writeFakeRack(join(dir, 'rack'), {
      configYaml: `bmc:\n  timeoutMs: 1000\n  retries: 0\n  nodes:\n` +
        `    "00:11:22:33:44:11": { address: 127.0.0.1, port: ${good.port} }\n` +
        `    "00:11:22:33:44:21": { address: 127.0.0.1, port: ${wrongPassword.port} }\n` +
        `    "00:11:22:33:44:61": { address: 127.0.0.1, port: ${silent} }\n`,
    });
    await mkdir(join(rack.stateDir, 'dhcp'));
    await writeFile(stateFiles(rack.stateDir).dhcp.leases, '1706702462 00:11:22:33:44:11 172.24.213.5 * *\n1706702462 0c:c4:7a:00:00:99 172.24.213.241 * *\n');

    const r = await run(rack, 'check', '--live');
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.match(/✓ row 2 node-02 BMC 00:11:22:33:44:11 at 127\.0\.0\.1:\d+: power (on|off)/);
    expect(r.stdout).to.match(/✗ row 3 node-03 BMC 00:11:22:33:44:21 at 127\.0\.0\.1:\d+: .*(session|RAKP|auth)/i);
    expect(r.stdout).to.match(/✗ row 4 node-04 BMC 00:11:22:33:44:61 at 127\.0\.0\.1:\d+: .*(no answer|did not answer|timed out|within)/i);
    expect(r.stdout).to.match(/✗ 2 of 3 BMCs did not answer/);
    expect(r.stdout).to.match(/row 2 node-02: node not seen, BMC seen \(172\.24\.213\.5\)/);
    expect(r.stdout).to.match(/! 0c:c4:7a:00:00:99 \(172\.24\.213\.241\) is not in nodes\.csv/);
    expect(r.stdout + r.stderr).not.to.include('s3cret-Pa55');

    const json = await run(rack, 'check', '--live', '--json');
    const parsed = JSON.parse(json.stdout) as { live: { bmcs: { reachable: boolean }[]; dhcp: { available: boolean } } };
    expect(parsed.live.bmcs.map((b) => b.reachable)).to.deep.equal([true, false, false]);
    expect(parsed.live.dhcp.available).to.equal(true);
  });

  it('says there is no DHCP data without a lease file, and skips the live part when the files are invalid', async () => {
    const good = new IpmiSimBmc(join(dir, 'bmc1'), 'admin', 's3cret-Pa55');
    bmcs.push(good);
    await good.start();
    const rack = await writeFakeRack(join(dir, 'rack'), {
      rows: [`${MGMT.primary}, ${MGMT.bmc}, ${MGMT.secondary}, mgmt, m`, '00:11:22:33:44:10, 00:11:22:33:44:11, 00:11:22:33:44:40, w, '],
      configYaml: `bmc:\n  nodes:\n    "00:11:22:33:44:11": { address: 127.0.0.1, port: ${good.port} }\n`,
    });
    const r = await run(rack, 'check', '--live');
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.match(/✓ all 1 BMCs answered/);
    expect(r.stdout).to.match(/no data: .*dnsmasq\.leases does not exist/);
    await writeFile(join(rack.oemDir, 'nodes.csv'), `${NODES_CSV_HEADER}\nzz, 00:11:22:33:44:01, ${MGMT.secondary}, mgmt, m\n`);
    const bad = await run(rack, 'check', '--live');
    expect(bad.exitCode).to.equal(1);
    expect(bad.stdout).to.match(/live check skipped: fix the problems above first/);
  });
});

describe('racker factory reset', function () {
  this.timeout(30_000);
  let dir: string;
  let rack: FakeRack;
  beforeEach(async () => {
    dir = await makeTempDir();
    rack = await writeFakeRack(join(dir, 'rack'));
    await writeFile(join(rack.stateDir, 'address-plan.json'), '{}');
    await mkdir(join(rack.stateDir, 'dhcp'));
    await writeFile(join(rack.stateDir, 'dhcp', 'dnsmasq.leases'), '');
    await mkdir(join(rack.stateDir, 'matchbox', 'assets'), { recursive: true });
    await writeFile(join(rack.stateDir, 'matchbox', 'assets', 'flatcar.img'), 'image');
    await writeFile(join(rack.stateDir, 'racker-version'), '0.1.0\n');
  });
  afterEach(async () => { await removeTempDir(dir); });

  it('without flags is a usage error (exit 2) and changes nothing', async () => {
    const r = await run(rack, 'reset');
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/say what to reset: --nodes, --racker-version, or both/);
    expect(r.stderr).to.match(/usage: racker factory reset/);
    expect(await run(rack, 'reset', '--bogus').then((x) => x.exitCode)).to.equal(2);
    expect(await exists(join(rack.stateDir, 'address-plan.json'))).to.equal(true);
  });

  it('says what it would remove and refuses without a terminal to ask, changing nothing', async () => {
    const before = await readFile(join(rack.oemDir, 'nodes.csv'), 'utf8');
    const r = await run(rack, 'reset', '--nodes');
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.include(`empty ${join(rack.oemDir, 'nodes.csv')}`);
    expect(r.stdout).to.include(`remove ${join(rack.stateDir, 'address-plan.json')}`);
    expect(r.stdout).to.include(`remove ${join(rack.stateDir, 'dhcp')}`);
    expect(r.stdout).to.match(/and keep:\n[\s\S]*matchbox\/assets: downloaded Flatcar images and Kubernetes system extensions\n.*racker-version: the racker version marker/);
    expect(r.stderr).to.match(/stdin is not a terminal.*\n.*pass --yes/);
    expect(await readFile(join(rack.oemDir, 'nodes.csv'), 'utf8')).to.equal(before);
    expect(await exists(join(rack.stateDir, 'address-plan.json'))).to.equal(true);
  });

  it('--nodes refuses while the agent runs (it would write its state back), changing nothing', async () => {
    const agent = new FakeAgentApi(agentSocketPath(rack.runDir), () => ({ status: 200, body: { ok: true } }));
    await agent.start();
    try {
      const r = await run(rack, 'reset', '--nodes', '--yes');
      expect(r.exitCode).to.equal(1);
      expect(r.stderr).to.match(/the racker agent is running .*\n.*systemctl stop racker-agent/);
      expect(await exists(join(rack.stateDir, 'address-plan.json'))).to.equal(true);
    } finally {
      await agent.stop();
    }
  });

  it('asks in a terminal: "n" changes nothing (exit 1), "y" resets', async () => {
    for (const answer of ['n', 'y']) {
      const term = new TmuxTerminal(dir);
      try {
        await term.start([process.execPath, racker, 'factory', 'reset', '--racker-version'], { RACKER_CONFIG: rack.configPath });
        await term.waitFor(/remove .*racker-version:[\s\S]*Go ahead\? \[y\/N\]/);
        await term.type(answer);
        await term.keys('Enter');
        const status = await term.waitForExit();
        expect(status).to.equal(answer === 'y' ? 0 : 1);
        expect(await term.transcript()).to.match(answer === 'y' ? /✓ removed .*racker-version/ : /reset not confirmed; nothing was changed/);
        expect(await exists(join(rack.stateDir, 'racker-version'))).to.equal(answer === 'n');
      } finally {
        await term.stop();
      }
    }
  });

  it('--nodes --yes empties nodes.csv keeping a backup and removes only racker\'s node state', async () => {
    const before = await readFile(join(rack.oemDir, 'nodes.csv'), 'utf8');
    const r = await run(rack, 'reset', '--nodes', '--yes');
    expect(r.exitCode).to.equal(0);
    expect(await readFile(join(rack.oemDir, 'nodes.csv'), 'utf8')).to.equal(`${NODES_CSV_HEADER}\n`);
    const backups = (await readdir(rack.oemDir)).filter((n) => n.startsWith('nodes.csv.') && n.endsWith('.bak'));
    expect(backups).to.have.length(1);
    expect(await readFile(join(rack.oemDir, backups[0] as string), 'utf8')).to.equal(before);
    expect((await readdir(rack.stateDir)).sort()).to.deep.equal(['matchbox', 'racker-version']);
    expect(await readdir(join(rack.stateDir, 'matchbox'))).to.deep.equal(['assets']);
    expect(await readFile(join(rack.oemDir, 'ipmi_password'), 'utf8')).to.equal('s3cret-Pa55\n');
  });

  it('--racker-version --yes removes only the version marker; a second run has nothing to do', async () => {
    const r = await run(rack, 'reset', '--racker-version', '--yes');
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.include(`✓ removed ${join(rack.stateDir, 'racker-version')}`);
    expect((await readdir(rack.stateDir)).sort()).to.deep.equal(['address-plan.json', 'dhcp', 'matchbox']);
    const again = await run(rack, 'reset', '--racker-version', '--yes');
    expect(again.exitCode).to.equal(0);
    expect(again.stdout).to.match(/racker-version does not exist: nothing to do there\)\nnothing to reset/);
  });
});

describe('racker factory gen-ssh-key (ssh-keygen)', function () {
  this.timeout(30_000);
  let dir: string;
  let rack: FakeRack;
  beforeEach(async () => {
    dir = await makeTempDir();
    rack = await writeFakeRack(join(dir, 'rack'));
  });
  afterEach(async () => { await removeTempDir(dir); });

  it('creates an ed25519 pair (0600, directory 0700), prints only the public key, refuses to overwrite without --force', async () => {
    const r = await run(rack, 'gen-ssh-key');
    expect(r.exitCode).to.equal(0);
    const priv = join(rack.etcDir, 'ssh', 'id_ed25519');
    const pub = (await readFile(`${priv}.pub`, 'utf8')).trim();
    expect(pub).to.match(/^ssh-ed25519 \S+ racker$/);
    expect(r.stdout).to.include(pub);
    expect(r.stdout).not.to.include('PRIVATE KEY');
    expect((await stat(priv)).mode & 0o777).to.equal(0o600);
    expect((await stat(join(rack.etcDir, 'ssh'))).mode & 0o777).to.equal(0o700);
    const kg = await exec('ssh-keygen', ['-y', '-f', priv]);
    expect(kg.stdout.trim().split(' ').slice(0, 2)).to.deep.equal(pub.split(' ').slice(0, 2));

    const again = await run(rack, 'gen-ssh-key');
    expect(again.exitCode).to.equal(1);
    expect(again.stderr).to.match(/an SSH key already exists at .*id_ed25519\nhint: keep it, or pass --force/);
    expect((await readFile(`${priv}.pub`, 'utf8')).trim()).to.equal(pub);

    const forced = await run(rack, 'gen-ssh-key', '--force', '--print-private');
    expect(forced.exitCode).to.equal(0);
    const newPub = (await readFile(`${priv}.pub`, 'utf8')).trim();
    expect(newPub).not.to.equal(pub);
    expect(forced.stdout).to.include(newPub);
    expect(forced.stdout).to.include(await readFile(priv, 'utf8'));
    expect(forced.stdout).to.match(/-----BEGIN OPENSSH PRIVATE KEY-----/);
  });
});
