import { expect } from 'chai';
import { runBootstrap, selectNodes, type RunnerPorts } from '../../../bootstrap/runner.js';
import { installedNodes, provisionedNodes } from '../../../bootstrap/rerun.js';
import { parseConfig } from '../../../agent/config/parse.js';
import { bootstrapRequestSchema } from '../../../bootstrap/job-request.js';
import type { KubeApi } from '../../../bootstrap/kubernetes/cluster.js';
import type { ClusterSecrets } from '../../../bootstrap/kubernetes/pki.js';
import type { KeptJoinCredentials } from '../../../bootstrap/kubernetes/join-credentials.js';
import { fakePlan, answers, nodeMac } from '../../lib/bootstrap-fixtures.js';
import { FakeClock } from '../../lib/fake-clock.js';
import { decodeDataSource } from '../../../bootstrap/ignition/builders.js';
import type { IgnitionConfig } from '../../../bootstrap/ignition/types.js';
import { FakeBmc } from '../../lib/fake-bmc.js';
import { FakeObservations, ScriptedNodes } from '../../lib/scripted-nodes.js';
import { MemorySink } from '../../lib/memory-sink.js';
import { MemoryBootStore, CountingTokens } from '../../lib/memory-boot-store.js';

const config = parseConfig('', undefined, {});
const SECRETS: ClusterSecrets = { token: 'abcdef.0123456789abcdef', certificateKey: 'ab'.repeat(32), caCert: 'CA', caKey: 'CAKEY', caCertHash: 'sha256:00', adminCert: 'ADM', adminKey: 'ADMKEY' };
const CONTROL_PLANE = { saKey: 'SA-KEY', saPub: 'SA-PUB', frontProxyCaCert: 'FP-CRT', frontProxyCaKey: 'FP-KEY', etcdCaCert: 'ETCD-CRT', etcdCaKey: 'ETCD-KEY' };

/** A file of a node's served Ignition, decoded. */
function ignitionFile(ign: string | undefined, path: string): string | undefined {
  const files = (JSON.parse(ign ?? '{}') as IgnitionConfig).storage?.files ?? [];
  return decodeDataSource(files.find((f) => f.path === path)?.contents);
}

function ports(clock: FakeClock, kube?: { api: KubeApi; saved: string[] }, stored: Omit<ClusterSecrets, 'token' | 'certificateKey'> = SECRETS,
  kept: { value?: KeptJoinCredentials } = {}): RunnerPorts & { store: MemoryBootStore; bmc: FakeBmc; scripted: ScriptedNodes; forming: boolean[]; kept: { value?: KeptJoinCredentials } } {
  const forming: boolean[] = [];
  const bmc = new FakeBmc(() => clock.now());
  const observations = new FakeObservations();
  const scripted = new ScriptedNodes(clock, bmc, observations);
  return {
    control: bmc, bmc, scripted, observations, store: new MemoryBootStore(), tokens: new CountingTokens(), sink: new MemorySink(), clock, asker: undefined, forming,
    ensureAssets: async () => ({ version: '4081.2.0' }),
    clusterSecrets: async (o) => { forming.push(o.forming); return stored; },
    ensureSysext: async () => ({ assetPath: 'kubernetes/v1.33.2/kubernetes-v1.33.2-x86-64.raw', sha256: 'c'.repeat(64) }),
    kubernetesManifests: async () => ({ cni: 'kind: DaemonSet\n', manifests: [] }),
    kubeApi: () => kube?.api as KubeApi,
    saveKubeconfig: async (text) => { kube?.saved.push(text); return '/etc/racker/kubeconfig-racker'; },
    kept, joinCredentials: { load: async () => kept.value, save: async (k) => { kept.value = k; } },
  };
}

async function drive<T>(clock: FakeClock, p: Promise<T>, limitMs = 4 * 3600_000): Promise<T> {
  let done = false;
  const tracked = p.finally(() => { done = true; });
  await clock.runUntil(() => done, limitMs, 5000);
  return tracked;
}

describe('bootstrap runner', () => {
  it('writes each node\'s groups, profiles and Ignition with the resolved version, runs the job, drops each stage\'s group and Ignition once it is over, revokes the tokens', async () => {
    const clock = new FakeClock();
    const p = ports(clock);
    const plan = fakePlan(['a', 'b']);
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers() });
    const r = await drive(clock, runBootstrap({ id: 'j1', config, plan, snippets: { snippets: [], problems: [] }, request }, p));
    expect(r.state.status).to.equal('succeeded');
    // Nothing that carries a token is left to serve: the install stage went at the disk boot, the installed one at ready.
    expect([...p.store.groups.keys()]).to.deep.equal([]);
    expect([...p.store.ignition.keys()]).to.deep.equal([]);
    expect(p.store.removed.sort()).to.deep.equal(['racker-install-020000000100', 'racker-install-020000000100.ign', 'racker-install-020000000200', 'racker-install-020000000200.ign',
      'racker-installed-020000000100', 'racker-installed-020000000100.ign', 'racker-installed-020000000200', 'racker-installed-020000000200.ign']);
    expect((p.tokens as CountingTokens).revoked.sort()).to.deep.equal(['02:00:00:00:01:00', '02:00:00:00:02:00']);
    expect(p.store.profiles.get('racker-install-020000000100')?.boot?.kernel).to.equal('/assets/flatcar/4081.2.0/flatcar_production_pxe.vmlinuz');
    expect(p.store.written.get('racker-install-020000000100.ign')).to.contain('Bearer%20tok-020000000100');
  });

  it('a server counts as installed by racker once it reached provisioned, also after later runs and in older records', () => {
    const rec = (mac: string, name: 'provisioned' | 'queued' | 'failed', history: ('provisioned' | 'queued')[], installedAt?: string) =>
      ({ mac, installedAt, phase: { name, since: '2026-01-01T00:00:00Z', history: history.map((h) => ({ name: h, at: '2026-01-01T00:00:00Z' })) } });
    expect([...installedNodes([rec('a', 'queued', ['queued'], '2026-01-01T00:00:00Z'), rec('b', 'failed', ['provisioned', 'queued']), rec('c', 'provisioned', []), rec('d', 'failed', ['queued'])])]).to.deep.equal(['a', 'b', 'c']);
  });

  it('re-running gives the nodes the records say are provisioned no install group and no BMC command', async () => {
    const clock = new FakeClock();
    const plan = fakePlan(['a', 'b']);
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers() });
    const second = ports(clock);
    const provisioned = provisionedNodes(plan.nodes.map((n) => ({ mac: n.mac, phase: { name: 'provisioned' as const, since: '2026-01-01T00:00:00Z', job: 'j1', history: [] } })));
    const r = await drive(clock, runBootstrap({ id: 'j2', config, plan, snippets: { snippets: [], problems: [] }, request, provisioned }, second));
    expect(second.store.groups.size).to.equal(0);
    expect(second.bmc.calls).to.deep.equal([]);
    expect(Object.values(r.state.nodes).map((n) => n.status)).to.deep.equal(['skipped', 'skipped']);
  });

  it('gives each node its install-disk rule: its own, its type\'s or the rack\'s; --wipe and an earlier install allow overwriting', async () => {
    const clock = new FakeClock();
    const p = ports(clock);
    const plan = fakePlan(['storage', 'a', 'a']);
    const cfg = parseConfig('bootstrap:\n  nodeTypes:\n    Storage: { installDisk: { transport: [nvme] } }\n  nodes:\n    node-03: { installDisk: /dev/sdb }\n', '/etc/racker/racker.yaml', {});
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers(), wipe: true });
    await drive(clock, runBootstrap({ id: 'j1', config: cfg, plan, snippets: { snippets: [], problems: [] }, request, installedBefore: new Set([nodeMac(2)]) }, p));
    const select = (row: number): string => {
      const ign = JSON.parse(p.store.written.get(`racker-install-${nodeMac(row).replace(/:/g, '')}.ign`) ?? '{}') as IgnitionConfig;
      return decodeDataSource(ign.storage?.files?.find((f) => f.path === '/opt/racker/bin/racker-disk-select')?.contents);
    };
    expect(select(1)).to.contain("RACKER_DISK_TRAN=' nvme '").and.contain("RACKER_DISK_WIPE='metadata'").and.contain("RACKER_DISK_ALLOW='wipe'");
    expect(select(2)).to.contain("RACKER_DISK_TRAN=''").and.contain("RACKER_DISK_ALLOW='provisioned'").and.contain("RACKER_DISK_MIN='10737418240'");
    expect(select(3)).to.contain("RACKER_DISK_DEVICE='/dev/sdb'");
  });

  it('drops a node\'s install group before it saves the node as installed (a kill right after cannot leave it to a PXE boot)', async () => {
    const clock = new FakeClock();
    const p = ports(clock);
    const early: string[] = [];
    p.sink = { save: async (s) => { for (const n of Object.values(s.nodes)) if (n.phase === 'boot-disk' && !p.store.removed.includes(`racker-install-${n.mac.replace(/:/g, '')}`)) early.push(n.hostname); } };
    const plan = fakePlan(['a', 'b']);
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers() });
    const r = await drive(clock, runBootstrap({ id: 'j1', config, plan, snippets: { snippets: [], problems: [] }, request }, p));
    expect(r.state.status).to.equal('succeeded');
    expect(early, 'saved at boot-disk while the install group was still there').to.deep.equal([]);
  });

  it('resuming a node past its install writes no install group for it (and removes one left over)', async () => {
    const clock = new FakeClock();
    const plan = fakePlan(['a', 'b']);
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers() });
    const first = ports(clock);
    const done = await drive(clock, runBootstrap({ id: 'j1', config, plan, snippets: { snippets: [], problems: [] }, request }, first));
    const resumed = structuredClone(done.state);
    resumed.status = 'running';
    const n1 = resumed.nodes[nodeMac(1)];
    if (n1 !== undefined) Object.assign(n1, { status: 'running', phase: 'ready' });
    const second = ports(clock);
    clock.setTimer(5000, () => second.scripted.observations.emit({ mac: nodeMac(1), kind: 'phone-home', status: 'ready', at: clock.now() }));
    await drive(clock, runBootstrap({ id: 'j1', config, plan, snippets: { snippets: [], problems: [] }, request, resumed }, second));
    // It got its installed stage again (it was waiting for ready), then that went at ready too.
    expect(second.store.written.has('racker-installed-020000000100.ign')).to.equal(true);
    expect(second.store.written.has('racker-install-020000000100.ign')).to.equal(false);
    expect([...second.store.groups.keys()]).to.deep.equal([]);
    expect(second.store.removed).to.deep.equal(['racker-install-020000000100', 'racker-install-020000000100.ign', 'racker-installed-020000000100', 'racker-installed-020000000100.ign']);
  });

  it('forms a Kubernetes cluster: waits for every node Ready through the API, then saves the admin kubeconfig', async () => {
    const clock = new FakeClock();
    let apiUp = false;
    const api: KubeApi = { ready: async () => apiUp, nodes: async () => ['node-01', 'node-02', 'node-03'].map((name) => ({ name, ready: true })), createBootstrapToken: async () => { throw new Error('kubeadm init makes the token'); },
      uploadControlPlaneCerts: async () => { throw new Error('kubeadm init uploads the certificates'); } };
    const saved: string[] = [];
    const p = ports(clock, { api, saved });
    for (const i of [1, 2, 3]) p.scripted.behaviour.set(nodeMac(i), { joins: true });
    const plan = fakePlan(['a', 'a', 'a'], { provision: 'kubernetes', controllers: 1, controllerType: 'a' });
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers({ provision: 'kubernetes', controllers: 1, controllerType: 'a' }), onFailure: 'cancel' });
    clock.setTimer(300_000, () => { apiUp = true; }); // the API answers a while after the nodes joined
    const r = await drive(clock, runBootstrap({ id: 'k', config, plan, snippets: { snippets: [], problems: [] }, request }, p));
    expect(r.state.status).to.equal('succeeded');
    expect(r.kubeconfig?.usage).to.contain('export KUBECONFIG=/etc/racker/kubeconfig-racker');
    expect(saved[0]).to.contain('server: https://172.24.213.2:6443').and.contain(`client-key-data: ${Buffer.from('ADMKEY').toString('base64')}`);
    // The first controller's installed Ignition carried the CA key until the node was ready; it is gone now.
    expect(p.store.written.get('racker-installed-020000000100.ign')).to.contain('kubeadm').and.contain('/etc/kubernetes/pki/ca.key');
    expect([...p.store.ignition.keys()]).to.deep.equal([]);
    expect(p.forming).to.deep.equal([true]); // the first controller is provisioned: the secrets get their control-plane keys
    // Every node gets the sysext from the agent, with the digest the agent checked.
    const sysext = ((JSON.parse(p.store.written.get('racker-installed-020000000300.ign') ?? '{}') as IgnitionConfig).storage?.files ?? []).find((f) => f.path.endsWith('.raw'));
    expect(sysext?.contents).to.deep.equal({ source: 'http://172.24.213.1:8080/assets/kubernetes/v1.33.2/kubernetes-v1.33.2-x86-64.raw', verification: { hash: `sha256-${'c'.repeat(64)}` } });
  });

  it('joins with a token and certificate key made fresh for every run, registered through the API when the cluster exists', async () => {
    const tokenOf = (ign: string | undefined): string => {
      const files = (JSON.parse(ign ?? '{}') as IgnitionConfig).storage?.files ?? [];
      const kubeadm = decodeDataSource(files.find((f) => f.path === '/etc/racker/kubeadm.yaml')?.contents);
      return /token: ([a-z0-9]{6}\.[a-z0-9]{16})/.exec(kubeadm ?? '')?.[1] ?? '';
    };
    const plan = fakePlan(['a', 'a', 'a'], { provision: 'kubernetes', controllers: 1, controllerType: 'a' });
    const tokens: string[] = [];
    const created: { token: string; expires: number }[] = [];
    for (const only of [[], [nodeMac(3)]]) {
      const clock = new FakeClock();
      const api: KubeApi = { ready: async () => true, nodes: async () => ['node-01', 'node-02', 'node-03'].map((name) => ({ name, ready: true })),
        createBootstrapToken: async (token, expires) => { created.push({ token, expires: expires.getTime() - clock.now() }); },
        uploadControlPlaneCerts: async () => { throw new Error('no controller joins'); } };
      const p = ports(clock, { api, saved: [] });
      for (const i of [1, 2, 3]) p.scripted.behaviour.set(nodeMac(i), { joins: true });
      const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers({ provision: 'kubernetes', controllers: 1, controllerType: 'a' }), onFailure: 'cancel', nodes: only, reprovision: only.length > 0 });
      const r = await drive(clock, runBootstrap({ id: 'k', config, plan, snippets: { snippets: [], problems: [] }, request }, p));
      expect(r.state.status).to.equal('succeeded');
      tokens.push(tokenOf(p.store.written.get('racker-installed-020000000300.ign'))); // removed once the node is ready: what was served
    }
    expect(tokens[0]).to.match(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(tokens[1]).to.match(/^[a-z0-9]{6}\.[a-z0-9]{16}$/).and.not.equal(tokens[0]);
    expect(tokens).to.not.include(SECRETS.token); // never the stored one
    // The first run's kubeadm init made its token; the second (node-03 only) registered its own.
    expect(created.map((c) => c.token)).to.deep.equal([tokens[1]]);
    // As long as provisioning may take from now (every phase's deadline), and a day.
    expect(created[0]?.expires).to.equal((Object.values(config.bootstrap.deadlines).reduce((a, d) => a + d, 0) + 86_400) * 1000);
  });

  it('reprovisions a controller into the running cluster: a fresh token and the control-plane keys uploaded under a fresh certificate key, then kubeadm join --control-plane', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const uploads: { key: string; files: { name: string; content: string }[]; ttl: number }[] = [];
    const tokens: string[] = [];
    const api: KubeApi = {
      ready: async () => true, nodes: async () => ['node-01', 'node-02', 'node-03', 'node-04'].map((name) => ({ name, ready: true })),
      createBootstrapToken: async (token) => { calls.push('token'); tokens.push(token); },
      uploadControlPlaneCerts: async (key, files, expires) => { calls.push('certs'); uploads.push({ key, files: [...files], ttl: expires.getTime() - clock.now() }); },
    };
    const plan = fakePlan(['a', 'a', 'a', 'a'], { provision: 'kubernetes', controllers: 3, controllerType: 'a' });
    const keys: string[] = [];
    for (let run = 0; run < 2; run++) {
      const p = ports(clock, { api, saved: [] }, { ...SECRETS, controlPlane: CONTROL_PLANE });
      for (const i of [1, 2, 3, 4]) p.scripted.behaviour.set(nodeMac(i), { joins: true });
      const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers({ provision: 'kubernetes', controllers: 3, controllerType: 'a' }), onFailure: 'cancel', nodes: ['node-02'], reprovision: true });
      const provisioned = provisionedNodes(plan.nodes.map((n) => ({ mac: n.mac, phase: { name: 'provisioned' as const, since: '2026-01-01T00:00:00Z', job: 'j1', history: [] } })));
      const r = await drive(clock, runBootstrap({ id: `r${run}`, config, plan, snippets: { snippets: [], problems: [] }, request, provisioned }, p));
      // Only node-02 went through the phases, up to joined; the others were not touched.
      expect(r.state.status).to.equal('succeeded');
      expect(Object.values(r.state.nodes).map((n) => `${n.hostname}:${n.status}:${n.phase}`)).to.deep.equal(['node-02:done:joined']);
      expect([...new Set(p.bmc.calls.map((c) => c.mac))]).to.deep.equal([nodeMac(2)]);
      expect(p.forming).to.deep.equal([false]);
      const ign = p.store.written.get('racker-installed-020000000200.ign');
      const kubeadm = ignitionFile(ign, '/etc/racker/kubeadm.yaml') ?? '';
      const key = /controlPlane:\n {2}certificateKey: ([0-9a-f]{64})\n/.exec(kubeadm)?.[1] ?? '';
      expect(kubeadm).to.contain('kind: JoinConfiguration').and.contain(`token: ${tokens[run] ?? '?'}`);
      expect(ignitionFile(ign, '/opt/racker/bin/racker-kubeadm')).to.contain('kubeadm join --config /etc/racker/kubeadm.yaml');
      // No key travels in the joining controller's Ignition: kubeadm fetches them with the certificate key.
      expect(ign).to.not.contain('/etc/kubernetes/pki/');
      expect(uploads[run]?.key).to.equal(key);
      keys.push(key);
    }
    expect(calls).to.deep.equal(['token', 'certs', 'token', 'certs']);
    expect(keys[0]).to.match(/^[0-9a-f]{64}$/).and.not.equal(keys[1]);
    expect(keys).to.not.include(SECRETS.certificateKey);
    expect(tokens[0]).to.not.equal(tokens[1]);
    expect(uploads[0]?.files.map((f) => f.name)).to.deep.equal(['ca.crt', 'ca.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key']);
    expect(uploads[0]?.files.find((f) => f.name === 'etcd/ca.key')?.content).to.equal('ETCD-KEY');
    // As long as provisioning may take (every phase's deadline), at least kubeadm's 2 hours.
    expect(uploads[0]?.ttl).to.equal(Math.max(2 * 3600_000, Object.values(config.bootstrap.deadlines).reduce((a, d) => a + d, 0) * 1000));
  });

  it('a joining controller retried after an --on-failure ask answer that came when its uploaded keys had lapsed: re-uploaded under the same key before its power-on', async () => {
    const clock = new FakeClock();
    const uploads: { key: string; at: number; expires: number }[] = [];
    const tokens: { token: string; at: number }[] = [];
    const api: KubeApi = {
      ready: async () => true, nodes: async () => ['node-01', 'node-02', 'node-03', 'node-04'].map((name) => ({ name, ready: true })),
      createBootstrapToken: async (token) => { tokens.push({ token, at: clock.now() }); },
      uploadControlPlaneCerts: async (key, _files, expires) => { uploads.push({ key, at: clock.now(), expires: expires.getTime() }); },
    };
    const plan = fakePlan(['a', 'a', 'a', 'a'], { provision: 'kubernetes', controllers: 3, controllerType: 'a' });
    const p = ports(clock, { api, saved: [] }, { ...SECRETS, controlPlane: CONTROL_PLANE });
    // The operator answers after 3 hours: longer than the upload lives.
    const WAIT = 3 * 3600_000;
    const asked: string[] = [];
    p.asker = { ask: async (f) => { asked.push(`${f.hostname}:${f.phase}`); await new Promise<void>((r) => clock.setTimer(WAIT, r)); return 'retry'; } };
    p.scripted.behaviour.set(nodeMac(2), { joins: true, installFails: 'bad disk', times: 1 });
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers({ provision: 'kubernetes', controllers: 3, controllerType: 'a' }), onFailure: 'ask', retries: 0, nodes: ['node-02'], reprovision: true });
    const provisioned = provisionedNodes(plan.nodes.map((n) => ({ mac: n.mac, phase: { name: 'provisioned' as const, since: '2026-01-01T00:00:00Z', job: 'j1', history: [] } })));
    const r = await drive(clock, runBootstrap({ id: 'ask', config, plan, snippets: { snippets: [], problems: [] }, request, provisioned }, p), 8 * 3600_000);
    expect(r.state.status).to.equal('succeeded');
    expect(asked).to.deep.equal(['node-02:installing']);
    const key = /certificateKey: ([0-9a-f]{64})/.exec(ignitionFile(p.store.written.get('racker-installed-020000000200.ign'), '/etc/racker/kubeadm.yaml') ?? '')?.[1];
    // Uploaded at the start, and again before the retry's power cycle: the same key (the one in the node's Ignition), living from then.
    expect(uploads.map((u) => u.key)).to.deep.equal([key, key]);
    expect(uploads[0]?.expires).to.be.lessThan(uploads[1]?.at as number);
    expect(uploads[1]?.at).to.be.at.least(WAIT);
    const provisioning = Object.values(config.bootstrap.deadlines).reduce((a, d) => a + d, 0) * 1000;
    expect(uploads[1]?.expires).to.equal((uploads[1]?.at as number) + Math.max(provisioning, 2 * 3600_000));
    // The token lives a day past provisioning: still valid, so it was registered once.
    expect(tokens.map((t) => t.token)).to.deep.equal([p.kept.value?.token]);
    expect(p.kept.value).to.include({ job: 'ask', certificateKey: key, certsExpireAt: uploads[1]?.expires });
  });

  it('keeps a job\'s join credentials: a resumed job gives its nodes the same token and certificate key, a new job fresh ones', async () => {
    const clock = new FakeClock();
    const plan = fakePlan(['a', 'a', 'a'], { provision: 'kubernetes', controllers: 1, controllerType: 'a' });
    const api: KubeApi = { ready: async () => true, nodes: async () => ['node-01', 'node-02', 'node-03'].map((name) => ({ name, ready: true })),
      createBootstrapToken: async () => { throw new Error('kubeadm init makes the token'); }, uploadControlPlaneCerts: async () => { throw new Error('kubeadm init uploads the certificates'); } };
    const kept: { value?: KeptJoinCredentials } = {};
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers({ provision: 'kubernetes', controllers: 1, controllerType: 'a' }), onFailure: 'cancel' });
    const tokenOf = (p: ReturnType<typeof ports>): string | undefined => /token: (\S+)/.exec(ignitionFile(p.store.written.get('racker-installed-020000000200.ign'), '/etc/racker/kubeadm.yaml') ?? '')?.[1];
    // The first run is stopped (the agent stopping) while its nodes wait for DHCP: its state is what the resume starts from.
    const stop = new AbortController();
    const first = ports(clock, { api, saved: [] }, { ...SECRETS, controlPlane: CONTROL_PLANE }, kept);
    for (const i of [1, 2, 3]) first.scripted.behaviour.set(nodeMac(i), { stallBefore: 'dhcp-ack' });
    clock.setTimer(60_000, () => stop.abort(new Error('agent stopping')));
    const stopped = await drive(clock, runBootstrap({ id: 'k1', config, plan, snippets: { snippets: [], problems: [] }, request }, first, stop.signal));
    expect(Object.values(stopped.state.nodes).map((n) => n.status)).to.deep.equal(['cancelled', 'cancelled', 'cancelled']);
    const resumed = ports(clock, { api, saved: [] }, { ...SECRETS, controlPlane: CONTROL_PLANE }, kept);
    for (const i of [1, 2, 3]) resumed.scripted.behaviour.set(nodeMac(i), { joins: true });
    await drive(clock, runBootstrap({ id: 'k1', config, plan, snippets: { snippets: [], problems: [] }, request, resumed: stopped.state }, resumed));
    expect(tokenOf(resumed)).to.match(/^[a-z0-9]{6}\.[a-z0-9]{16}$/).and.equal(tokenOf(first)).and.equal(kept.value?.token);
    const next = ports(clock, { api, saved: [] }, { ...SECRETS, controlPlane: CONTROL_PLANE }, kept);
    await drive(clock, runBootstrap({ id: 'k2', config, plan, snippets: { snippets: [], problems: [] }, request: { ...request, reprovision: true } }, next));
    expect(tokenOf(next)).to.not.equal(tokenOf(first));
    expect(kept.value?.job).to.equal('k2');
  });

  it('refuses a controller joining a cluster an earlier racker formed (no control-plane keys held) before touching anything', async () => {
    const clock = new FakeClock();
    const p = ports(clock, { api: { ready: async () => true, nodes: async () => [], createBootstrapToken: async () => undefined, uploadControlPlaneCerts: async () => undefined }, saved: [] });
    const plan = fakePlan(['a', 'a', 'a', 'a'], { provision: 'kubernetes', controllers: 3, controllerType: 'a' });
    const request = bootstrapRequestSchema.parse({ kind: 'bootstrap', answers: answers({ provision: 'kubernetes', controllers: 3, controllerType: 'a' }), onFailure: 'cancel', nodes: [nodeMac(2)], reprovision: true });
    const e = await runBootstrap({ id: 'k', config, plan, snippets: { snippets: [], problems: [] }, request }, p).then(() => undefined, (err: Error & { code?: string }) => err);
    expect(e?.code).to.equal('RACKER_E_CLUSTER');
    expect(e?.message).to.contain('node-02 would join the existing cluster').and.contain('formed by an earlier racker');
    expect(p.store.groups.size).to.equal(0);
    expect(p.bmc.calls).to.deep.equal([]);
  });

  it('resolves --node by MAC or host name and rejects unknown ones', () => {
    const plan = fakePlan(['a', 'b']);
    expect([...(selectNodes(plan, ['node-02', '02:00:00:00:01:01']) ?? [])]).to.deep.equal([nodeMac(2), nodeMac(1)]);
    expect(() => selectNodes(plan, ['node-09'])).to.throw('--node node-09 names no node being provisioned');
    expect(selectNodes(plan, [])).to.equal(undefined);
  });
});
