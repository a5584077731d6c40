/**
 * The cluster CA and admin credentials made with real openssl, and the agent's API client talking
 * mutual TLS to a local HTTPS server that plays the API server (a certificate from the same CA).
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:https';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { execa } from 'execa';
import { bootstrapToken, ensureClusterSecrets, freshJoinCredentials, sharedControlPlaneFiles, type StoredClusterSecrets } from '../../../bootstrap/kubernetes/pki.js';
import { HttpsKubeApi, waitForCluster, writeKubeconfig } from '../../../bootstrap/kubernetes/cluster.js';
import { systemClock } from '../../../bootstrap/ports.js';
import { readKubernetesManifests } from '../../../bootstrap/kubernetes/manifests.js';
import { mkdir } from 'node:fs/promises';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { ErrorCodes, ValidationError } from '../../../agent/lib/errors.js';
import { openKubeadmCertsEntry as open } from '../../lib/kubeadm-certs.js';

describe('Kubernetes PKI and API client (openssl, mutual TLS)', function () {
  this.timeout(60_000);
  let dir = '';
  let secrets: StoredClusterSecrets;
  const posted: { url: string; method: string; body: string }[] = [];
  const objects = new Map<string, { metadata: { name: string; uid?: string } }>();
  let server: Server | undefined;
  let base = '';
  let readyNodes: string[] = [];
  /** Answered instead of the node list when set: an API answer racker cannot read. */
  let brokenNodeList: string | undefined;
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
      // Create (409 when the name exists, as the API answers) and replace, with a uid for each object.
      const collection = /^\/(?:api\/v1|apis\/rbac\.authorization\.k8s\.io\/v1)\/namespaces\/kube-system\/(secrets|roles|rolebindings)(?:\/([^/]+))?$/.exec(req.url ?? '');
      if (collection !== null && (req.method === 'POST' || req.method === 'PUT')) {
        let body = '';
        req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
        req.on('end', () => {
          posted.push({ url: req.url ?? '', method: req.method ?? '', body });
          const obj = JSON.parse(body) as { metadata: { name: string; uid?: string } };
          const key = `${collection[1] ?? ''}/${obj.metadata.name}`;
          if (req.method === 'POST' && objects.has(key)) { res.statusCode = 409; res.end('{}'); return; }
          if (req.method === 'PUT' && (decodeURIComponent(collection[2] ?? '') !== obj.metadata.name || !objects.has(key))) { res.statusCode = 404; res.end('{}'); return; }
          obj.metadata.uid = `uid-${objects.size}`;
          objects.set(key, obj);
          res.statusCode = req.method === 'POST' ? 201 : 200;
          res.end(JSON.stringify(obj));
        });
        return;
      }
      if (req.url === '/api/v1/nodes') {
        res.setHeader('content-type', 'application/json');
        if (brokenNodeList !== undefined) { res.end(brokenNodeList); return; }
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

  it('reads the node list against a schema: an answer it cannot read names the field, and the wait says so at its end', async () => {
    const api = new HttpsKubeApi(base, secrets);
    try {
      brokenNodeList = JSON.stringify({ items: [{ metadata: { name: 7 }, status: {} }] });
      const e = await api.nodes().then(() => undefined, (err: unknown) => err);
      expect(e).to.be.instanceOf(ValidationError);
      expect([(e as ValidationError).code, (e as ValidationError).problems[0]?.file, (e as ValidationError).problems[0]?.field]).to.deep.equal(['RACKER_E_CLUSTER', 'GET /api/v1/nodes', 'items.0.metadata.name']);
      const w = await waitForCluster(api, ['node-01'], systemClock, 200, 50).then(() => undefined, (err: Error) => err);
      expect(w?.message).to.match(/^the Kubernetes cluster did not become ready within 0s: listing nodes failed: the Kubernetes API's answer to GET \/api\/v1\/nodes is not a node list racker can read\n {2}GET \/api\/v1\/nodes: items\.0\.metadata\.name: /);
    } finally {
      brokenNodeList = undefined;
    }
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

  it('makes the shared control-plane keys with the cluster (kubeadm\'s CAs, a service-account key pair), and for older secrets only when the cluster is formed anew', async () => {
    const cp = secrets.controlPlane;
    if (cp === undefined) throw new Error('a new cluster\'s secrets have no control-plane keys');
    for (const [name, cert, key, cn] of [['front-proxy', cp.frontProxyCaCert, cp.frontProxyCaKey, 'front-proxy-ca'], ['etcd', cp.etcdCaCert, cp.etcdCaKey, 'etcd-ca']] as const) {
      await writeFile(join(dir, `${name}.crt`), cert);
      expect((await execa('openssl', ['verify', '-CAfile', join(dir, `${name}.crt`), join(dir, `${name}.crt`)])).stdout, name).to.contain(': OK');
      const text = (await execa('openssl', ['x509', '-noout', '-subject', '-ext', 'basicConstraints', '-in', join(dir, `${name}.crt`)])).stdout;
      expect(text).to.contain(`CN = ${cn}`).and.contain('CA:TRUE');
      expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(key)), `${name} key`).to.equal(true);
    }
    expect(createPublicKey(cp.saKey).export({ type: 'spki', format: 'pem' })).to.equal(cp.saPub);
    // Secrets of an earlier racker: no keys are made up for the running cluster, only when kubeadm init will use them.
    const older = join(dir, 'older');
    await mkdir(older, { mode: 0o700 });
    const { controlPlane: _, ...withoutKeys } = secrets;
    await writeFile(join(older, 'secrets.json'), JSON.stringify(withoutKeys), { mode: 0o600 });
    expect(await ensureClusterSecrets(older)).to.deep.equal(withoutKeys);
    const formed = await ensureClusterSecrets(older, { forming: true });
    expect(formed).to.deep.include(withoutKeys);
    expect(formed.controlPlane?.etcdCaCert).to.contain('BEGIN CERTIFICATE').and.not.equal(cp.etcdCaCert);
    expect(await ensureClusterSecrets(older, { forming: true })).to.deep.equal(formed); // kept, not made again
    expect((await stat(join(older, 'secrets.json'))).mode & 0o777).to.equal(0o600);
  });

  it('uploads the control-plane keys as kubeadm does (kubeadm-certs, encrypted under the certificate key, owned by an expiring token) and replaces an earlier upload', async () => {
    const cp = secrets.controlPlane;
    if (cp === undefined) throw new Error('no control-plane keys');
    const files = sharedControlPlaneFiles(secrets, cp);
    const expires = new Date('2026-12-07T10:00:00.000Z');
    const keys: string[] = [];
    for (let round = 0; round < 2; round++) {
      const key = freshJoinCredentials().certificateKey;
      keys.push(key);
      const from = posted.length;
      await new HttpsKubeApi(base, secrets).uploadControlPlaneCerts(key, files, expires);
      const calls = posted.slice(from);
      expect(calls.map((c) => `${c.method} ${c.url}`)).to.deep.equal(round === 0 ? [
        'POST /api/v1/namespaces/kube-system/secrets', 'POST /api/v1/namespaces/kube-system/secrets',
        'POST /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', 'POST /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings',
      ] : [
        'POST /api/v1/namespaces/kube-system/secrets', 'POST /api/v1/namespaces/kube-system/secrets', 'PUT /api/v1/namespaces/kube-system/secrets/kubeadm-certs',
        'POST /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', 'PUT /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/kubeadm%3Akubeadm-certs',
        'POST /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', 'PUT /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/kubeadm%3Akubeadm-certs',
      ]);
      // The owner: a token Secret that only expires (it authenticates nobody).
      const owner = JSON.parse(calls[0]?.body ?? '{}') as { metadata: { name: string }; data: Record<string, string> };
      expect(Object.keys(owner.data).sort()).to.deep.equal(['description', 'expiration', 'token-id', 'token-secret']);
      expect(Buffer.from(owner.data.expiration ?? '', 'base64').toString()).to.equal('2026-12-07T10:00:00Z');
      const ownerUid = objects.get(`secrets/${owner.metadata.name}`)?.metadata.uid;
      const certs = objects.get('secrets/kubeadm-certs') as unknown as { metadata: { ownerReferences: { kind: string; name: string; uid: string; controller: boolean }[] }; data: Record<string, string> };
      expect(certs.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'v1', kind: 'Secret', name: owner.metadata.name, uid: ownerUid, controller: true, blockOwnerDeletion: true }]);
      // Each entry opens with the key (AES-256-GCM, nonce first: kubeadm's DecryptBytes) and with no other.
      expect(Object.keys(certs.data).sort()).to.deep.equal(['ca.crt', 'ca.key', 'etcd-ca.crt', 'etcd-ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.key', 'sa.pub']);
      expect(open(certs.data['etcd-ca.key'] ?? '', key)).to.equal(cp.etcdCaKey);
      expect(open(certs.data['sa.pub'] ?? '', key)).to.equal(cp.saPub);
      expect(open(certs.data['ca.key'] ?? '', key)).to.equal(secrets.caKey);
      if (round === 1) expect(() => open(certs.data['ca.key'] ?? '', keys[0] ?? '')).to.throw(); // the earlier key opens nothing now
    }
    const role = objects.get('roles/kubeadm:kubeadm-certs') as unknown as { rules: unknown[] };
    expect(role.rules).to.deep.equal([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['kubeadm-certs'] }]);
    const binding = objects.get('rolebindings/kubeadm:kubeadm-certs') as unknown as { subjects: unknown[] };
    expect(binding.subjects).to.deep.equal([{ kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' }]);
    const anonymous = new HttpsKubeApi(base, { caCert: secrets.caCert, adminCert: '', adminKey: '' });
    expect(await anonymous.uploadControlPlaneCerts(keys[0] ?? '', files, expires).then(() => 'uploaded', (e: Error) => e.message)).to.not.equal('uploaded');
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

  it('refuses a damaged secrets file by field, quoting none of it, and copies nothing', async () => {
    const damaged = join(dir, 'damaged');
    await mkdir(damaged, { recursive: true });
    await writeFile(join(damaged, 'secrets.json'), JSON.stringify({ ...secrets, caKey: 'not a key', adminCert: 42 }));
    const err = await ensureClusterSecrets(damaged).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).to.equal(ErrorCodes.cluster);
    expect(v.problems.map((p) => [p.file, p.field])).to.deep.equal([[join(damaged, 'secrets.json'), 'caKey'], [join(damaged, 'secrets.json'), 'adminCert']]);
    expect(v.message).to.not.contain('not a key');
    for (const value of [secrets.caKey, secrets.adminKey, secrets.caCert]) expect(v.message).to.not.contain(value.split('\n')[1]);
    // Not JSON: JSON.parse's own message would quote the key.
    const torn = join(dir, 'etc', 'pki', 'torn');
    await mkdir(torn, { recursive: true });
    await writeFile(join(torn, 'secrets.json'), secrets.caKey);
    const later = join(dir, 'state', 'kubernetes', 'torn');
    const err2 = await ensureClusterSecrets(later, { formerDir: torn }).then(() => undefined, (e: unknown) => e);
    expect((err2 as ValidationError).problems[0]?.message).to.equal('not JSON');
    expect((err2 as ValidationError).message).to.not.contain(secrets.caKey.split('\n')[1]);
    expect(await stat(join(later, 'secrets.json')).then(() => true, () => false)).to.equal(false);
  });
});

