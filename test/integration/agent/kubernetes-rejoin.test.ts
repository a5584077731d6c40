/**
 * `racker bootstrap --node X --reprovision` of a controller of a running cluster, through the
 * product as composed: `racker agent` as a process inside a network namespace where the first
 * controller's address (172.24.213.2) is local and answered by a Kubernetes API stand-in (its own
 * process, HTTPS with the cluster CA, client certificates required). The agent registers a fresh
 * join token and uploads the control-plane keys as kubeadm-certs under a fresh certificate key,
 * and the controller's installed Ignition joins with exactly those (ignition-validate passes). The
 * BMCs are unreachable on purpose, so the run ends at the BMC check; what the node would do with
 * that Ignition needs a real kubeadm (docs/bootstrap.md).
 */
import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { freePort, isReady, runRacker, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { writeSignedFlatcarStandIns } from '../../lib/installer-fixtures.js';
import { ignitionValidate } from '../../lib/ignition-validate.js';
import { TestNetwork } from '../../lib/netns.js';
import { openKubeadmCertsEntry as open } from '../../lib/kubeadm-certs.js';
import { repoRoot } from '../../lib/paths.js';
import { call } from '../../lib/agent-api.js';
import type { JobRecord } from '../../../agent/state/records.js';
import type { KeptJoinCredentials } from '../../../bootstrap/kubernetes/join-credentials.js';
import { ensureClusterSecrets, type StoredClusterSecrets } from '../../../bootstrap/kubernetes/pki.js';
import { decodeDataSource } from '../../../bootstrap/ignition/builders.js';
import type { IgnitionConfig } from '../../../bootstrap/ignition/types.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example';
const FLATCAR = '4081.2.0';
const K8S = 'v1.33.2';
const INIT_ADDRESS = '172.24.213.2';

describe('racker agent: a reprovisioned controller joins the running cluster (kubeadm-certs under a fresh key)', function () {
  this.timeout(240_000);
  const net = new TestNetwork('kjoin');
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: AgentProcess | undefined;
  let secrets: StoredClusterSecrets;
  let ns = '';
  const api: { method: string; url: string; body: string }[] = [];

  before(async function () {
    const reason = await TestNetwork.unavailable();
    if (reason !== undefined) this.skip();
    dir = await makeTempDir('racker-agent-rejoin-');
    ns = await net.namespace('rack');
    await net.ip(ns, ['address', 'add', `${INIT_ADDRESS}/32`, 'dev', 'lo']);
    // The stand-ins: Flatcar images signed with a throwaway key, the sysext as a local copy.
    const { images, cert: flatcarCert } = await writeSignedFlatcarStandIns(dir, FLATCAR);
    const sysext = Buffer.from('stand-in sysext\n');
    await mkdir(join(dir, 'sysext'));
    await writeFile(join(dir, 'sysext', `kubernetes-${K8S}-x86-64.raw`), sysext);
    await writeFile(join(dir, 'cni.yaml'), 'kind: DaemonSet\n');
    rack = await writeFakeRack(join(dir, 'rack'), {
      isolated: { bootPort: await freePort() },
      configYaml: `agent:\n  metricsPort: 0\nbootstrap:\n  flatcar:\n    version: ${FLATCAR}\n    localDir: ${images}\n    signingKey: ${flatcarCert}\n` +
        `  kubernetes:\n    version: ${K8S}\n    sysextLocalDir: ${join(dir, 'sysext')}\n    sysextSha256: ${createHash('sha256').update(sysext).digest('hex')}\n    cniManifest: ${join(dir, 'cni.yaml')}\n` +
        '  deadlines:\n    bmcCheckSeconds: 1\n',
    });
    // The running cluster, as this racker formed it: its secrets (with the shared control-plane keys) in the state directory.
    secrets = await ensureClusterSecrets(join(rack.stateDir, 'kubernetes', 'racker'));
    // The API server's certificate for the first controller's address, from the cluster CA.
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFile(join(dir, 'srv.key'), key, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), secrets.caCert);
    await writeFile(join(dir, 'ca.key'), secrets.caKey, { mode: 0o600 });
    await writeFile(join(dir, 'srv.ext'), `subjectAltName=IP:${INIT_ADDRESS}\nextendedKeyUsage=serverAuth\n`);
    await execa('openssl', ['req', '-new', '-key', join(dir, 'srv.key'), '-subj', '/CN=kube-apiserver', '-out', join(dir, 'srv.csr')]);
    await execa('openssl', ['x509', '-req', '-in', join(dir, 'srv.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-set_serial', '9', '-days', '1', '-extfile', join(dir, 'srv.ext'), '-out', join(dir, 'srv.crt')]);
    let listening: () => void = () => undefined;
    const up = new Promise<void>((r) => { listening = r; });
    net.spawn(ns, process.execPath, [join(repoRoot, 'dist', 'test', 'lib', 'kube-api-stand-in.js'), join(dir, 'srv.key'), join(dir, 'srv.crt'), join(dir, 'ca.crt'), INIT_ADDRESS, '6443'], (line) => {
      if (line === 'listening') listening();
      else if (line.startsWith('{')) api.push(JSON.parse(line) as { method: string; url: string; body: string });
    });
    await up;
    agent = startAgent(rack.env, [], ns);
    await agent.waitForLog(isReady, 60_000);
  });
  after(async () => {
    await agent?.kill('SIGTERM');
    await net.cleanup();
    await removeTempDir(dir);
  });

  it('registers a fresh token, uploads the shared keys under a fresh certificate key, and gives the controller an Ignition that joins with both', async () => {
    const keys: string[] = [];
    for (let run = 0; run < 2; run++) {
      const from = api.length;
      const r = await runRacker(['bootstrap', '--yes', '--provision', 'kubernetes', '--controllers', '3', '--ssh-key', KEY, '--node', 'node-03', '--reprovision', '--on-failure', 'cancel'], rack.env);
      // The BMCs are unreachable on purpose: the run ends at the BMC check, after the API calls and the boot data.
      expect(r.code, `${r.stdout}${r.stderr}`).to.equal(1);
      expect(`${r.stdout}${r.stderr}`).to.contain('node-03').and.contain('bmc-check');
      const calls = api.slice(from);
      const posts = calls.filter((c) => c.method === 'POST').map((c) => `${c.url} ${(JSON.parse(c.body) as { metadata: { name: string } }).metadata.name.replace(/^bootstrap-token-[a-z0-9]{6}$/, 'bootstrap-token-*')}`);
      expect(posts).to.deep.equal([
        '/api/v1/namespaces/kube-system/secrets bootstrap-token-*', '/api/v1/namespaces/kube-system/secrets bootstrap-token-*', '/api/v1/namespaces/kube-system/secrets kubeadm-certs',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles kubeadm:kubeadm-certs', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings kubeadm:kubeadm-certs',
      ]);
      const joinToken = JSON.parse(calls[0]?.body ?? '{}') as { data: Record<string, string> };
      const token = ['token-id', 'token-secret'].map((k) => Buffer.from(joinToken.data[k] ?? '', 'base64').toString()).join('.');
      const certs = JSON.parse([...calls].reverse().find((c) => c.url.endsWith('/secrets') || c.url.endsWith('/kubeadm-certs'))?.body ?? '{}') as { data: Record<string, string> };

      const ign = JSON.parse(await readFile(join(rack.stateDir, 'matchbox', 'ignition', 'racker-installed-001122334420.ign'), 'utf8')) as IgnitionConfig;
      const kubeadm = decodeDataSource(ign.storage?.files?.find((f) => f.path === '/etc/racker/kubeadm.yaml')?.contents);
      expect(kubeadm).to.contain('kind: JoinConfiguration').and.contain(`token: ${token}`).and.contain(`apiServerEndpoint: racker.`).and.contain(`- ${secrets.caCertHash}`);
      const key = /controlPlane:\n {2}certificateKey: ([0-9a-f]{64})\n/.exec(kubeadm)?.[1] ?? '';
      expect(key).to.match(/^[0-9a-f]{64}$/);
      expect(ign.storage?.files?.some((f) => f.path.startsWith('/etc/kubernetes/pki/'))).to.equal(false);
      // With that key the node gets exactly the cluster's keys.
      expect(open(certs.data['etcd-ca.key'] ?? '', key)).to.equal(secrets.controlPlane?.etcdCaKey);
      expect(open(certs.data['sa.key'] ?? '', key)).to.equal(secrets.controlPlane?.saKey);
      expect(open(certs.data['front-proxy-ca.crt'] ?? '', key)).to.equal(secrets.controlPlane?.frontProxyCaCert);
      const v = await ignitionValidate(dir as string, `rejoin-${run}`, ign);
      expect(v, v.output).to.deep.equal({ code: 0, output: '' });
      keys.push(key);
    }
    expect(keys[0]).to.not.equal(keys[1]);
    // The second run replaced the first upload (kubeadm's CreateOrUpdate).
    expect(api.filter((c) => c.method === 'PUT').map((c) => c.url)).to.include('/api/v1/namespaces/kube-system/secrets/kubeadm-certs');
  });

  it('a reprovisioned worker joins with a fresh token only: no control-plane keys are uploaded for it', async () => {
    const from = api.length;
    const r = await runRacker(['bootstrap', '--yes', '--provision', 'kubernetes', '--controllers', '1', '--controller-type', 'red', '--ssh-key', KEY, '--node', 'node-04', '--reprovision', '--on-failure', 'cancel'], rack.env);
    expect(r.code, `${r.stdout}${r.stderr}`).to.equal(1);
    const calls = api.slice(from);
    expect(calls.map((c) => `${c.method} ${c.url}`)).to.deep.equal(['POST /api/v1/namespaces/kube-system/secrets']);
    const joinToken = JSON.parse(calls[0]?.body ?? '{}') as { data: Record<string, string> };
    const token = ['token-id', 'token-secret'].map((k) => Buffer.from(joinToken.data[k] ?? '', 'base64').toString()).join('.');
    const ign = JSON.parse(await readFile(join(rack.stateDir, 'matchbox', 'ignition', 'racker-installed-001122334460.ign'), 'utf8')) as IgnitionConfig;
    const kubeadm = decodeDataSource(ign.storage?.files?.find((f) => f.path === '/etc/racker/kubeadm.yaml')?.contents);
    expect(kubeadm).to.contain('kind: JoinConfiguration').and.contain(`token: ${token}`).and.not.contain('controlPlane');
    expect(kubeadm).to.contain('value: racker.io/role=worker,racker.io/node-type=purple');
  });

  it('keeps a controller\'s credentials across an agent restart: the resumed job gives it the same key and token, and registers both again when they lapsed while the agent was down', async () => {
    const jobs = async (): Promise<JobRecord[]> => (JSON.parse((await call(join(rack.runDir, 'agent.sock'), 'GET', '/v1/jobs')).body) as { jobs: JobRecord[] }).jobs;
    const until = async (what: string, check: () => boolean | Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 600 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await check(), `${what}: ${JSON.stringify(await jobs())}`).to.equal(true);
    };
    const certsUploaded = (from: number) => (): boolean => api.slice(from).some((c) => c.url.endsWith('/kubeadm-certs') || (c.method === 'POST' && c.body.includes('"name":"kubeadm-certs"')));
    const ignitionKey = async (): Promise<string | undefined> => {
      const ign = JSON.parse(await readFile(join(rack.stateDir, 'matchbox', 'ignition', 'racker-installed-001122334420.ign'), 'utf8')) as IgnitionConfig;
      const kubeadm = decodeDataSource(ign.storage?.files?.find((f) => f.path === '/etc/racker/kubeadm.yaml')?.contents);
      return /certificateKey: ([0-9a-f]{64})\n/.exec(kubeadm)?.[1];
    };
    // The BMC check keeps failing (the BMCs are closed ports) and is retried: the job is still running when the agent stops.
    const from0 = api.length;
    const r = await runRacker(['bootstrap', '--yes', '--provision', 'kubernetes', '--controllers', '3', '--controller-type', 'any', '--ssh-key', KEY, '--node', 'node-03', '--reprovision', '--on-failure', 'retry', '--retries', '20', '--no-wait'], rack.env);
    expect(r.code, `${r.stdout}${r.stderr}`).to.equal(0);
    await until('the certificates uploaded', certsUploaded(from0));
    const file = join(rack.stateDir, 'kubernetes', 'racker', 'join.json');
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    const job = (await jobs()).at(-1)?.id;
    await until('join.json kept for the job with its lifetimes', async () => {
      const k = JSON.parse(await readFile(file, 'utf8')) as KeptJoinCredentials;
      return k.job === job && k.certsExpireAt !== undefined;
    });
    const kept = JSON.parse(await readFile(file, 'utf8')) as KeptJoinCredentials;
    await until('node-03\'s Ignition carrying the kept key', async () => (await ignitionKey()) === kept.certificateKey);
    expect(kept.certsExpireAt).to.be.greaterThan(Date.now() + 3600_000);
    // The job's saved state: written when it runs its nodes, after every node's Ignition.
    const jobFile = join(rack.stateDir, 'jobs', `${job ?? ''}.json`);
    const saved = (await stat(jobFile)).mtimeMs;

    // The agent stops (the job resumes at its next start) and stays down past both lifetimes: what
    // join.json records then is in the past.
    expect((await jobs()).at(-1)?.state).to.equal('running');
    await agent?.kill('SIGTERM');
    await writeFile(file, JSON.stringify({ ...kept, tokenExpiresAt: Date.now() - 1000, certsExpireAt: Date.now() - 1000 }), { mode: 0o600 });
    const from = api.length;
    agent = startAgent(rack.env, [], ns);
    await agent.waitForLog(isReady, 60_000);
    await until('the resumed job registering the credentials again', certsUploaded(from));
    // The resumed job: the same key in node-03's Ignition (rendered again before its nodes run), and both registered again under it.
    await until('the resumed job running its nodes', async () => (await stat(jobFile)).mtimeMs !== saved);
    expect(await ignitionKey()).to.equal(kept.certificateKey);
    const calls = api.slice(from).map((c) => ({ ...c, body: JSON.parse(c.body) as { metadata: { name: string; ownerReferences?: { name: string }[] }; data: Record<string, string> } }));
    const tokenId = kept.token.split('.')[0] ?? '';
    const token = calls.filter((c) => c.body.metadata.name === `bootstrap-token-${tokenId}`);
    expect(token.map((c) => c.method), `the join token is replaced: ${JSON.stringify(calls.map((c) => [c.method, c.url, c.body.metadata.name]))}`).to.deep.equal(['POST', 'PUT']);
    expect(Date.parse(Buffer.from(token[1]?.body.data.expiration ?? '', 'base64').toString())).to.be.greaterThan(Date.now() + 86_400_000);
    const certs = calls.filter((c) => c.body.metadata.name === 'kubeadm-certs').at(-1);
    expect(certs?.method).to.equal('PUT');
    expect(open(certs?.body.data['sa.key'] ?? '', kept.certificateKey)).to.equal(secrets.controlPlane?.saKey);
    // Owned by a new owner token, so the cluster keeps it until that one expires.
    const owner = calls.find((c) => c.method === 'POST' && c.body.metadata.name !== `bootstrap-token-${tokenId}` && c.body.metadata.name.startsWith('bootstrap-token-'));
    expect(certs?.body.metadata.ownerReferences?.[0]?.name).to.equal(owner?.body.metadata.name);
    // Kept with the new lifetimes (saved once the cluster took them).
    const keptNow = async (): Promise<KeptJoinCredentials> => JSON.parse(await readFile(file, 'utf8')) as KeptJoinCredentials;
    await until('join.json renewed', async () => ((await keptNow()).certsExpireAt ?? 0) > Date.now());
    const renewed = await keptNow();
    expect(renewed).to.include({ job: kept.job, token: kept.token, certificateKey: kept.certificateKey });
    expect(renewed.certsExpireAt).to.be.greaterThan(Date.now() + 3600_000);
    expect((await runRacker(['bootstrap', '--cancel'], rack.env)).code).to.equal(0);
  });
});
