import { expect } from 'chai';
import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { runRacker } from '../../lib/run-racker.js';
import { ScriptedControlApi } from '../../lib/scripted-control-api.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { treeHash } from '../../lib/tree-hash.js';
import { loadBuildConf } from '../../../agent/config/build-conf.js';
import { repoRoot } from '../../lib/paths.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example';
/** A Kubernetes plan needs the sysext's digest; this one stands in for an operator's. */
const SYSEXT_SHA256 = 'a'.repeat(64);

/** The fake rack's configuration with `bootstrap:` set to `yaml` (indented by two). */
async function setBootstrap(rack: FakeRack, base: string, yaml: string): Promise<void> {
  await writeFile(rack.configPath, `${base}\nbootstrap:\n${yaml}`);
}

describe('racker bootstrap (as a process)', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let base = '';
  beforeEach(async () => {
    dir = await makeTempDir('racker-bootstrap-cli-');
    rack = await writeFakeRack(dir);
    base = await readFile(rack.configPath, 'utf8');
  });
  afterEach(async () => { await removeTempDir(dir); });

  it('--dry-run --yes prints roles, names, addresses and what each node gets, and changes nothing', async () => {
    await setBootstrap(rack, base, `  kubernetes:\n    sysextSha256: ${SYSEXT_SHA256}\n`);
    const before = await treeHash(rack.root);
    const r = await runRacker(['bootstrap', '--dry-run', '--yes', '--provision', 'kubernetes', '--controllers', '1', '--controller-type', 'purple', '--ssh-key', KEY, '--exclude', '00:11:22:33:44:11', '--no-cni'], rack.env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('dry run: nothing was changed');
    expect(r.stdout).to.match(/node-02\.rack\.localdomain\s+excluded\s+red/);
    expect(r.stdout).to.match(/node-03\.rack\.localdomain\s+controller \(init\)\s+purple\s+00:11:22:33:44:20\s+172\.24\.213\.3\s+172\.24\.213\.6\s+dhcp/);
    expect(r.stdout).to.match(/node-04\.rack\.localdomain\s+worker/);
    expect(r.stdout).to.contain('node-03: installer').and.contain('kubeadm init').and.contain('node-04: installer');
    expect(r.stdout).to.match(new RegExp(`sysext +http://172\\.24\\.213\\.1:8080/assets/kubernetes/v1\\.33\\.2/kubernetes-v1\\.33\\.2-x86-64\\.raw \\(sha256 ${SYSEXT_SHA256}, bootstrap\\.kubernetes\\.sysextSha256\\), fetched once from https://extensions\\.flatcar\\.org/`));
    expect(await treeHash(rack.root)).to.equal(before);
  });

  it('--dry-run --json gives the plan as JSON', async () => {
    const r = await runRacker(['bootstrap', '--dry-run', '--yes', '--json'], rack.env);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { plan: { nodes: { hostname: string; role: string }[] }; answerSources: Record<string, string> };
    expect(out.plan.nodes.map((n) => [n.hostname, n.role])).to.deep.equal([['node-02', 'node'], ['node-03', 'node'], ['node-04', 'node']]);
    expect(out.answerSources.provision).to.equal('default');
  });

  it('with no bootstrap settings, plans the Flatcar and Kubernetes versions conf.yaml pins; the configuration overrides them', async () => {
    const { pins } = await loadBuildConf(join(repoRoot, 'conf.yaml'));
    const args = ['bootstrap', '--dry-run', '--yes', '--json', '--provision', 'kubernetes', '--controllers', '1', '--controller-type', 'purple', '--ssh-key', KEY, '--no-cni'];
    await setBootstrap(rack, base, `  kubernetes:\n    sysextSha256: ${SYSEXT_SHA256}\n`);
    let r = await runRacker(args, rack.env);
    expect(r.code, r.stderr).to.equal(0);
    let out = JSON.parse(r.stdout) as { flatcar: { channel: string; version: string }; kubernetesVersion: string };
    expect(out.flatcar).to.deep.equal({ channel: pins.flatcar.channel, version: pins.flatcar.version });
    expect(out.kubernetesVersion).to.equal(pins.kubernetes.version);
    expect([pins.flatcar.version, pins.kubernetes.version]).to.deep.equal(['4593.2.5', 'v1.33.2']);

    await setBootstrap(rack, base, `  flatcar:\n    channel: beta\n    version: 4628.1.0\n  kubernetes:\n    version: v1.34.1\n    sysextSha256: ${SYSEXT_SHA256}\n`);
    r = await runRacker(args, rack.env);
    expect(r.code, r.stderr).to.equal(0);
    out = JSON.parse(r.stdout) as typeof out;
    expect([out.flatcar, out.kubernetesVersion]).to.deep.equal([{ channel: 'beta', version: '4628.1.0' }, 'v1.34.1']);
  });

  it('refuses a Kubernetes plan without a CNI manifest unless --no-cni, naming the setting; a configured manifest passes', async () => {
    const args = ['bootstrap', '--dry-run', '--yes', '--provision', 'kubernetes', '--controllers', '1', '--controller-type', 'purple', '--ssh-key', KEY];
    await setBootstrap(rack, base, `  kubernetes:\n    sysextSha256: ${SYSEXT_SHA256}\n`);
    let r = await runRacker(args, rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`${rack.configPath}: bootstrap.kubernetes.cniManifest: no CNI manifest is configured`).and.contain('--no-cni');
    r = await runRacker([...args, '--no-cni'], rack.env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.contain('warning: no CNI (--no-cni)');
    const cni = join(dir as string, 'cni.yaml');
    await writeFile(cni, 'kind: DaemonSet\n');
    await setBootstrap(rack, base, `  kubernetes:\n    cniManifest: ${cni}\n    sysextSha256: ${SYSEXT_SHA256}\n`);
    r = await runRacker(args, rack.env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.not.contain('CNI');
  });

  it('refuses a Kubernetes plan whose system extension nothing pins by sha256, naming the setting; conf.yaml\'s pin holds for its version only', async () => {
    const { pins } = await loadBuildConf(join(repoRoot, 'conf.yaml'));
    const args = ['bootstrap', '--dry-run', '--yes', '--provision', 'kubernetes', '--controllers', '1', '--controller-type', 'purple', '--ssh-key', KEY, '--no-cni'];
    const problem = `${rack.configPath}: bootstrap.kubernetes.sysextSha256: `;
    // The pinned version with no digest set here: conf.yaml's digest decides (this checkout may not carry one yet).
    let r = await runRacker(args, rack.env);
    if (pins.kubernetes.sysextSha256 === undefined) {
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(`${problem}this racker release pins no sha256 for the Kubernetes ${pins.kubernetes.version} system extension`)
        .and.contain(`sha256sum kubernetes-${pins.kubernetes.version}-x86-64.raw`);
    } else {
      expect(r.code, r.stderr).to.equal(0);
    }
    // Another version: conf.yaml's digest says nothing about it, even with a local copy (air-gapped).
    await setBootstrap(rack, base, `  kubernetes:\n    version: v1.34.1\n    sysextLocalDir: ${dir as string}\n`);
    r = await runRacker(args, rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`${problem}the Kubernetes version v1.34.1 is not the pinned ${pins.kubernetes.version}, so racker's pin does not apply`)
      .and.contain(`(${join(dir as string, 'kubernetes-v1.34.1-x86-64.raw')})`);
    await setBootstrap(rack, base, `  kubernetes:\n    version: v1.34.1\n    sysextLocalDir: ${dir as string}\n    sysextSha256: ${SYSEXT_SHA256}\n`);
    r = await runRacker(args, rack.env);
    expect(r.code, r.stderr).to.equal(0);
    // A digest that is not one is refused with file and field like any bad setting.
    await setBootstrap(rack, base, `  kubernetes:\n    sysextSha256: ABC\n`);
    r = await runRacker(args, rack.env);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('bootstrap.kubernetes.sysextSha256').and.contain('must be 64 lower-case hex digits');
  });

  it('without a terminal and without --yes, names the missing flags and exits 2', async () => {
    const r = await runRacker(['bootstrap', '--dry-run', '--provision', 'flatcar'], rack.env);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('answers are missing: --cluster-name, --public-addressing, --domain, --internal-subnet, --ssh-key');
  });

  it('rejects bad flag values and flags that do not apply (exit 2)', async () => {
    for (const [args, message] of [
      [['--on-failure', 'skip'], '--on-failure: "skip" is not one of ask, retry, exclude, cancel'],
      [['--retries', 'x'], '--retries: "x" is not a whole number'],
      [['--controllers', '3'], '--controllers does not apply here'],
      [['--exclude', 'node-9'], 'no node has this host name'],
    ] as const) {
      const r = await runRacker(['bootstrap', '--dry-run', '--yes', ...args], rack.env);
      expect(r.stderr, args.join(' ')).to.contain(message);
      expect(r.code).to.not.equal(0);
    }
  });

  it('reports every problem of the static addresses file with file and line', async () => {
    const file = join(rack.etcDir, 'public.yaml');
    await writeFile(file, 'nodes:\n  00:11:22:33:44:40:\n    addresses: [203.0.113.0/24]\n  00:11:22:33:44:10:\n    addresses: [203.0.113.9/24]\n');
    const r = await runRacker(['bootstrap', '--dry-run', '--yes', '--public-addressing', 'static', '--static-addresses', file], rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`${file}:3: 00:11:22:33:44:40.addresses: 203.0.113.0 is the network address`);
    expect(r.stderr).to.contain(`${file}:4: 00:11:22:33:44:10: is the primary MAC of line 3`);
  });

  it('reports a bad user snippet with its line before anything runs', async () => {
    await mkdir(join(rack.etcDir, 'snippets', 'all'), { recursive: true });
    await writeFile(join(rack.etcDir, 'snippets', 'all', 'site.bu'), 'variant: flatcar\nversion: 1.1.0\nstorage:\n  disks: []\n');
    const r = await runRacker(['bootstrap', '--dry-run', '--yes'], rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('site.bu:4: storage.disks: disks: not supported in racker\'s Butane subset');
  });

  it('refuses an internal subnet the agent does not serve, with the command that applies it, before anything is saved', async () => {
    const before = await treeHash(rack.root);
    for (const args of [['--dry-run'], []]) {
      const r = await runRacker(['bootstrap', '--yes', '--ssh-key', KEY, '--internal-subnet', '10.1.0.0/24', ...args], rack.env);
      expect(r.code, args.join(' ')).to.equal(1);
      expect(r.stderr).to.contain('the internal subnet 10.1.0.0/24 is not the one the agent serves (network.subnet: 172.24.213.0/24)');
      expect(r.stderr).to.contain(`set \`network: { subnet: 10.1.0.0/24 }\` in the racker configuration (${join(rack.etcDir, 'racker.yaml')}), apply it with \`systemctl reload racker-agent\``);
    }
    expect(await treeHash(rack.root)).to.equal(before);
  });

  it('says clearly that the agent is not running, and saves neither the answers nor the version marker', async () => {
    const before = await treeHash(rack.root);
    const r = await runRacker(['bootstrap', '--yes', '--cluster-name', 'prod', '--ssh-key', KEY], rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`the racker agent is not running (no one listens on ${join(rack.runDir, 'agent.sock')})`);
    expect(await treeHash(rack.root)).to.equal(before);
  });

  it('saves the answers once the agent has taken the job, and a re-run asks nothing new', async () => {
    const agent = new ScriptedControlApi(join(rack.runDir, 'agent.sock')).script([{ hold: true }]);
    await agent.start();
    try {
      const r = await runRacker(['bootstrap', '--yes', '--cluster-name', 'prod', '--ssh-key', KEY, '--no-wait'], rack.env);
      expect(r.code, r.stderr).to.equal(0);
    } finally {
      await agent.stop();
    }
    expect(await readFile(join(rack.etcDir, 'bootstrap.yaml'), 'utf8')).to.contain('clusterName: prod');
    const again = await runRacker(['bootstrap', '--dry-run'], rack.env); // no terminal, no --yes: nothing left to ask
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.contain('cluster prod');
  });

  it('without any SSH key, a real run needs --ssh-key \'\' (and warns); the rack key is the default', async () => {
    const env = { ...rack.env, HOME: join(rack.root, 'home') }; // a user without ~/.ssh
    const agent = new ScriptedControlApi(join(rack.runDir, 'agent.sock')).script([{ hold: true }, { hold: true }]);
    await agent.start();
    try {
      const refused = await runRacker(['bootstrap', '--yes', '--no-wait'], env);
      expect(refused.code).to.equal(2);
      expect(refused.stderr).to.contain(`no SSH key for the nodes: there is no rack key (${join(rack.etcDir, 'ssh', 'id_ed25519.pub')}) and none in ~/.ssh`);
      expect(refused.stderr).to.contain("pass --ssh-key '' to provision without SSH access");
      expect(agent.requests.filter((q) => q.method === 'POST')).to.have.length(0);
      const dry = await runRacker(['bootstrap', '--yes', '--dry-run'], env);
      expect(dry.code, dry.stderr).to.equal(0);
      expect(dry.stderr).to.contain('warning: no SSH key for the nodes');
      const keyless = await runRacker(['bootstrap', '--yes', '--ssh-key', '', '--no-wait'], env);
      expect(keyless.code, keyless.stderr).to.equal(0);
      expect(keyless.stderr).to.contain('warning: no SSH keys: the nodes can be reached on their console only');
      await mkdir(join(rack.etcDir, 'ssh'));
      await writeFile(join(rack.etcDir, 'ssh', 'id_ed25519.pub'), `${KEY.replace('op@example', 'racker')}\n`);
      await rm(join(rack.etcDir, 'bootstrap.yaml')); // a rack whose first bootstrap is still to come
      const withRackKey = await runRacker(['bootstrap', '--yes', '--dry-run', '--json'], env);
      expect(withRackKey.code, withRackKey.stderr).to.equal(0);
      expect((JSON.parse(withRackKey.stdout) as { plan: { sshKeys: string[] } }).plan.sshKeys).to.deep.equal([KEY.replace('op@example', 'racker')]);
    } finally {
      await agent.stop();
    }
  });

  it('records the version on the first bootstrap, and after a hand-over reset asks for `racker update` first when a release source is configured', async () => {
    const marker = join(rack.stateDir, 'racker-version');
    const agent = new ScriptedControlApi(join(rack.runDir, 'agent.sock')).script([{ hold: true }]);
    await agent.start();
    after(() => agent.stop());
    const first = await runRacker(['bootstrap', '--yes', '--ssh-key', KEY, '--no-wait'], rack.env);
    expect(first.stderr).to.match(/first bootstrap on this rack: recorded racker \d+\.\d+\.\d+/);
    expect((await readFile(marker, 'utf8')).trim()).to.match(/^\d+\.\d+\.\d+$/);
    const reset = await runRacker(['factory', 'reset', '--racker-version', '--yes'], rack.env);
    expect(reset.code, reset.stderr).to.equal(0);
    await writeFile(rack.configPath, `${await readFile(rack.configPath, 'utf8')}installer:\n  source:\n    type: tarball\n    location: ${join(rack.root, 'releases')}\n    keyring: ${join(rack.root, 'keyring.asc')}\n`);
    const r = await runRacker(['bootstrap', '--yes', '--ssh-key', KEY], rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('this rack was reset for hand-over: its first bootstrap runs on the newest racker release');
    expect(r.stderr).to.contain('hint: run `racker update` (it installs the newest release), then `racker bootstrap` again');
  });

  it('submits the job to the agent over its control socket (--no-wait: and returns with the job id)', async () => {
    const agent = new ScriptedControlApi(join(rack.runDir, 'agent.sock')).script([{ hold: true }]);
    await agent.start();
    try {
      const r = await runRacker(['bootstrap', '--yes', '--on-failure', 'retry', '--retries', '3', '--power-on-interval', '5', '--ssh-key', KEY, '--no-wait'], rack.env);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('bootstrap job job-1 started in the agent');
      const posts = agent.requests.filter((q) => q.method === 'POST');
      expect(posts).to.have.length(1);
      expect(posts[0]).to.deep.include({ method: 'POST', url: '/v1/jobs' });
      expect(JSON.parse(posts[0]?.body ?? '')).to.deep.include({ kind: 'bootstrap', onFailure: 'retry', retries: 3, powerOnIntervalMs: 5000, parallelism: 0, reprovision: false });
    } finally {
      await agent.stop();
    }
  });
});
