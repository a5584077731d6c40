/**
 * The cluster CA and admin credentials made with real openssl, and the agent's API client talking
 * mutual TLS to a local HTTPS server that plays the API server (a certificate from the same CA).
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:https';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { execa } from 'execa';
import { bootstrapToken, ensureClusterSecrets, type StoredClusterSecrets } from '../../../bootstrap/kubernetes/pki.js';
import { HttpsKubeApi, waitForCluster, writeKubeconfig } from '../../../bootstrap/kubernetes/cluster.js';
import { systemClock } from '../../../bootstrap/ports.js';
import { readKubernetesManifests } from '../../../bootstrap/kubernetes/manifests.js';
import { mkdir } from 'node:fs/promises';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('Kubernetes PKI and API client (openssl, mutual TLS)', function () {
  this.timeout(60_000);
  let dir = '';
  let secrets: StoredClusterSecrets;
  const posted: { url: string; method: string; body: string }[] = [];
  let server: Server | undefined;
  let base = '';
  let readyNodes: string[] = [];
  const clientCNs: string[] = [];

  before(async () => {
    dir = await makeTempDir('racker-pki-');
    secrets = await ensureClusterSecrets(join(dir, 'cluster'));
    // The API server's certificate, signed by the cluster CA, for 127.0.0.1.
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFile(join(dir, 'srv.key'), key, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), secrets.caCert);
    await writeFile(join(dir, 'ca.key'), secrets.caKey, { mode: 0o600 });
    await writeFile(join(dir, 'srv.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await execa('openssl', ['req', '-new', '-key', join(dir, 'srv.key'), '-subj', '/CN=kube-apiserver', '-out', join(dir, 'srv.csr')]);
    await execa('openssl', ['x509', '-req', '-in', join(dir, 'srv.csr'), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-set_serial', '7', '-days', '1', '-extfile', join(dir, 'srv.ext'), '-out', join(dir, 'srv.crt')]);
    server = createServer({ key, cert: await readFile(join(dir, 'srv.crt'), 'utf8'), ca: secrets.caCert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      clientCNs.push(String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN));
      if (req.url === '/readyz') { res.end('ok'); return; }
      if (req.method === 'POST' && req.url === '/api/v1/namespaces/kube-system/secrets') {
        let body = '';
        req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
        req.on('end', () => { posted.push({ url: req.url ?? '', method: req.method ?? '', body }); res.statusCode = 201; res.end('{}'); });
        return;
      }
      if (req.url === '/api/v1/nodes') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ items: ['node-01', 'node-02'].map((name) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: readyNodes.includes(name) ? 'True' : 'False' }] } })) }));
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => { if (server) server.close(() => r()); else r(); });
    await removeTempDir(dir);
  });

  it('makes a CA and an admin certificate it signed, keeps them 0600 and reuses them', async () => {
    await writeFile(join(dir, 'admin.crt'), secrets.adminCert);
    const verify = await execa('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'admin.crt')]);
    expect(verify.stdout).to.contain(': OK');
    const subject = await execa('openssl', ['x509', '-noout', '-subject', '-in', join(dir, 'admin.crt')]);
    expect(subject.stdout).to.contain('O = system:masters').and.contain('CN = racker-admin');
    expect((await stat(join(dir, 'cluster', 'secrets.json'))).mode & 0o777).to.equal(0o600);
    expect((await stat(join(dir, 'cluster'))).mode & 0o777).to.equal(0o700);
    expect(await ensureClusterSecrets(join(dir, 'cluster'))).to.deep.equal(secrets);
  });

  it('computes the CA hash kubeadm join pins, as kubeadm\'s documentation does with openssl', async () => {
    const pub = await execa('openssl', ['x509', '-pubkey', '-noout', '-in', join(dir, 'ca.crt')]);
    const der = await execa('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub.stdout, encoding: 'buffer' });
    const hash = await execa('openssl', ['dgst', '-sha256', '-hex'], { input: der.stdout });
    expect(secrets.caCertHash).to.equal(`sha256:${hash.stdout.trim().split(' ').pop() ?? ''}`);
  });

  it('talks to the API with the minted admin certificate and waits until every node is Ready', async () => {
    const api = new HttpsKubeApi(base, secrets);
    expect(await api.ready()).to.equal(true);
    expect(clientCNs).to.include('racker-admin');
    readyNodes = ['node-01'];
    const waiting = waitForCluster(api, ['node-01', 'node-02'], systemClock, 20_000, 50);
    setTimeout(() => { readyNodes = ['node-01', 'node-02']; }, 200);
    await waiting;
    readyNodes = ['node-01'];
    const e = await waitForCluster(api, ['node-01', 'node-02'], systemClock, 200, 50).then(() => undefined, (err: Error & { code?: string }) => err);
    expect([e?.code, e?.message]).to.deep.equal(['RACKER_E_CLUSTER', 'the Kubernetes cluster did not become ready within 0s: not Ready: node-02']);
  });

  it('is refused without the client certificate, and refuses a server not signed by the CA', async () => {
    const anonymous = new HttpsKubeApi(base, { caCert: secrets.caCert, adminCert: '', adminKey: '' });
    expect(await anonymous.ready()).to.equal(false);
    const other = await ensureClusterSecrets(join(dir, 'other'));
    expect(await new HttpsKubeApi(base, { ...secrets, caCert: other.caCert }).ready()).to.equal(false);
  });

  it('reads the CNI manifest and the manifests directory in name order, and names a missing path', async () => {
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'cni.yaml'), 'kind: DaemonSet\n');
    await writeFile(join(dir, 'manifests', '20-b.yml'), 'b');
    await writeFile(join(dir, 'manifests', '10-a.yaml'), 'a');
    await writeFile(join(dir, 'manifests', 'README'), 'not a manifest');
    const m = await readKubernetesManifests({ cniManifest: join(dir, 'cni.yaml'), manifestsDir: join(dir, 'manifests') });
    expect(m).to.deep.equal({ cni: 'kind: DaemonSet\n', manifests: [{ name: '10-a.yaml', content: 'a' }, { name: '20-b.yml', content: 'b' }] });
    const e = await readKubernetesManifests({ cniManifest: join(dir, 'nope.yaml') }).then(() => undefined, (err: Error) => err);
    expect(e?.message).to.equal(`the CNI manifest ${join(dir, 'nope.yaml')} does not exist`);
  });

  it('registers a join token as the bootstrap-token Secret kubeadm reads', async () => {
    const token = bootstrapToken();
    const expires = new Date('2026-12-07T10:00:00.000Z');
    await new HttpsKubeApi(base, secrets).createBootstrapToken(token, expires);
    const secret = JSON.parse(posted.at(-1)?.body ?? '{}') as { type: string; metadata: { name: string; namespace: string }; data: Record<string, string> };
    const [id, part] = token.split('.');
    expect(secret.type).to.equal('bootstrap.kubernetes.io/token');
    expect(secret.metadata).to.deep.equal({ name: `bootstrap-token-${id ?? ''}`, namespace: 'kube-system' });
    const data = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(data).to.include({ 'token-id': id, 'token-secret': part, expiration: '2026-12-07T10:00:00Z', 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' });
    const anonymous = new HttpsKubeApi(base, { caCert: secrets.caCert, adminCert: '', adminKey: '' });
    expect(await anonymous.createBootstrapToken(token, expires).then(() => 'created', (e: Error) => e.message)).to.not.equal('created');
  });

  it('writes the admin kubeconfig 0600 under the state directory', async () => {
    const path = await writeKubeconfig(join(dir, 'state'), 'prod', 'apiVersion: v1\n');
    expect(path).to.equal(join(dir, 'state', 'kubernetes', 'prod', 'kubeconfig'));
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
  });

  it('takes over the secrets an earlier racker kept under the configuration directory', async () => {
    const former = join(dir, 'etc', 'pki', 'old');
    await mkdir(former, { recursive: true });
    await writeFile(join(former, 'secrets.json'), JSON.stringify(secrets));
    const now = join(dir, 'state', 'kubernetes', 'old');
    expect(await ensureClusterSecrets(now, { formerDir: former })).to.deep.equal(secrets);
    expect(JSON.parse(await readFile(join(now, 'secrets.json'), 'utf8'))).to.deep.equal(secrets);
    expect((await stat(join(now, 'secrets.json'))).mode & 0o777).to.equal(0o600);
  });
});
