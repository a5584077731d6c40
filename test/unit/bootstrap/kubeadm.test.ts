import { expect } from 'chai';
import { kubeadmConfig, kubeadmScript, kubernetesPart, nodeLabels, sysextPath, type KubernetesInputs } from '../../../bootstrap/kubernetes/kubeadm.js';
import { bootstrapToken, renderKubeconfig } from '../../../bootstrap/kubernetes/pki.js';
import { decodeDataSource } from '../../../bootstrap/ignition/builders.js';
import { fakePlan } from '../../lib/bootstrap-fixtures.js';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/**
 * The parts of kubeadm's v1beta4 configuration racker writes, as kubeadm's reference documents
 * them (kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/): strict objects, so a
 * misspelt or misplaced field, or v1beta3's map form of extra arguments, fails here.
 */
const v1beta4 = (() => {
  const arg = z.strictObject({ name: z.string().min(1), value: z.string() });
  const duration = z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/);
  const nodeRegistration = z.strictObject({ name: z.string(), criSocket: z.string().optional(), kubeletExtraArgs: z.array(arg).optional(), ignorePreflightErrors: z.array(z.string()).optional() });
  const endpoint = z.strictObject({ advertiseAddress: z.string(), bindPort: z.number().int() });
  const apiVersion = z.literal('kubeadm.k8s.io/v1beta4');
  return {
    InitConfiguration: z.strictObject({
      apiVersion, kind: z.literal('InitConfiguration'),
      bootstrapTokens: z.array(z.strictObject({ token: z.string().regex(/^[a-z0-9]{6}\.[a-z0-9]{16}$/), ttl: duration.optional(), usages: z.array(z.string()).optional(), groups: z.array(z.string()).optional() })),
      certificateKey: z.string().regex(/^[0-9a-f]{64}$/), localAPIEndpoint: endpoint, nodeRegistration,
    }),
    ClusterConfiguration: z.strictObject({
      apiVersion, kind: z.literal('ClusterConfiguration'), kubernetesVersion: z.string(), clusterName: z.string(), controlPlaneEndpoint: z.string(),
      certificateValidityPeriod: duration, caCertificateValidityPeriod: duration,
      apiServer: z.strictObject({ certSANs: z.array(z.string()), extraArgs: z.array(arg).optional() }),
      networking: z.strictObject({ podSubnet: z.string(), serviceSubnet: z.string(), dnsDomain: z.string().optional() }),
      controllerManager: z.strictObject({ extraArgs: z.array(arg) }),
    }),
    JoinConfiguration: z.strictObject({
      apiVersion, kind: z.literal('JoinConfiguration'), nodeRegistration,
      discovery: z.strictObject({ bootstrapToken: z.strictObject({ token: z.string(), apiServerEndpoint: z.string(), caCertHashes: z.array(z.string().regex(/^sha256:[0-9a-f]+$/)) }) }),
      controlPlane: z.strictObject({ certificateKey: z.string(), localAPIEndpoint: endpoint }).optional(),
    }),
  };
})();

function checkV1beta4(text: string): string[] {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors, text).to.deep.equal([]);
    const doc = d.toJS() as { kind: keyof typeof v1beta4 };
    const schema = v1beta4[doc.kind];
    expect(schema, `kind ${doc.kind}`).to.not.equal(undefined);
    const r = schema.safeParse(doc);
    expect(r.success, r.success ? '' : JSON.stringify(r.error.issues)).to.equal(true);
    return doc.kind;
  });
}

const plan = fakePlan(['cp', 'cp', 'cp', 'w'], { provision: 'kubernetes', controllers: 3, controllerType: 'cp' });
const x: KubernetesInputs = {
  plan,
  secrets: { token: 'abcdef.0123456789abcdef', certificateKey: 'f'.repeat(64), caCert: 'CA-CERT', caKey: 'CA-KEY', caCertHash: 'sha256:1234' },
  settings: { version: 'v1.30.4', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
  sysext: { url: 'http://172.24.213.1:8080/assets/kubernetes/v1.30.4/kubernetes-v1.30.4-x86-64.raw', sha256: '5'.repeat(64) },
  cniManifest: 'kind: DaemonSet\n', manifests: [{ name: 'app.yaml', content: 'kind: Namespace\n' }],
};
const [init, joinCp, , worker] = plan.nodes;

describe('kubeadm on Flatcar', () => {
  it('initialises the first controller with the token, certificate key, API name and every controller as SAN', () => {
    const c = kubeadmConfig(init!, x);
    expect(c).to.contain('kind: InitConfiguration').and.contain('- token: abcdef.0123456789abcdef').and.contain(`certificateKey: ${'f'.repeat(64)}`);
    expect(c).to.contain('controlPlaneEndpoint: racker.rack.example.com:6443').and.contain('kubernetesVersion: v1.30.4');
    expect(c).to.contain('  - 172.24.213.2\n  - node-01.rack.example.com\n  - 172.24.213.3').and.contain('podSubnet: 10.244.0.0/16');
    expect(c).to.contain('- name: node-ip\n    value: 172.24.213.2');
  });

  it('joins further controllers to the control plane and workers as nodes, pinning the CA hash', () => {
    const cp = kubeadmConfig(joinCp!, x);
    expect(cp).to.contain('kind: JoinConfiguration').and.contain('apiServerEndpoint: racker.rack.example.com:6443').and.contain('- sha256:1234');
    expect(cp).to.contain('controlPlane:\n  certificateKey:').and.contain('advertiseAddress: 172.24.213.3');
    const w = kubeadmConfig(worker!, x);
    expect(w).to.contain('kind: JoinConfiguration').and.not.contain('controlPlane');
    expect(kubeadmScript(worker!, x)).to.contain('kubeadm join --config /etc/racker/kubeadm.yaml\n/opt/racker/bin/racker-report joined');
  });

  it('writes configurations that match kubeadm\'s v1beta4 schema, with the certificate lifetimes spelled out', () => {
    const fresh = { ...x, secrets: { ...x.secrets, token: bootstrapToken(), certificateKey: 'a'.repeat(64) } };
    expect(checkV1beta4(kubeadmConfig(init!, fresh))).to.deep.equal(['InitConfiguration', 'ClusterConfiguration']);
    expect(checkV1beta4(kubeadmConfig(joinCp!, fresh))).to.deep.equal(['JoinConfiguration']);
    expect(checkV1beta4(kubeadmConfig(worker!, fresh))).to.deep.equal(['JoinConfiguration']);
    expect(kubeadmConfig(init!, fresh)).to.contain('certificateValidityPeriod: 8760h0m0s').and.contain('caCertificateValidityPeriod: 87600h0m0s');
  });

  it('registers every node with its role and node type as labels', () => {
    expect(nodeLabels(init!)).to.equal('racker.io/role=controller,racker.io/node-type=cp');
    expect(nodeLabels(worker!)).to.equal('racker.io/role=worker,racker.io/node-type=w');
    expect(nodeLabels({ ...worker!, nodeType: 'Big Disk / GPU' })).to.equal('racker.io/role=worker,racker.io/node-type=big-disk-gpu');
    expect(nodeLabels({ ...worker!, nodeType: `${'x'.repeat(62)}-y` })).to.equal(`racker.io/role=worker,racker.io/node-type=${'x'.repeat(62)}`);
    expect(nodeLabels({ ...worker!, nodeType: '' })).to.equal('racker.io/role=worker');
    expect(kubeadmConfig(worker!, x)).to.contain('  - name: node-labels\n    value: racker.io/role=worker,racker.io/node-type=w\n');
  });

  it('applies the CNI after init and the manifests once every node is Ready', () => {
    const s = kubeadmScript(init!, x);
    expect(s).to.contain('kubeadm init --config /etc/racker/kubeadm.yaml --upload-certs');
    expect(s.indexOf('kubectl apply -f /etc/racker/cni.yaml')).to.be.lessThan(s.indexOf('racker-report joined'));
    expect(s).to.contain('-ge 4 ]').and.contain('kubectl apply -f /etc/racker/manifests/');
  });

  it('puts the CA key and manifests only on the first controller, the sysext from the agent with its digest on every node', () => {
    const paths = (n: typeof init) => (kubernetesPart(n!, x).storage?.files ?? []).map((f) => f.path);
    expect(paths(init)).to.include.members(['/etc/kubernetes/pki/ca.key', '/etc/racker/cni.yaml', '/etc/racker/manifests/app.yaml']);
    expect(paths(joinCp)).to.not.include('/etc/kubernetes/pki/ca.key');
    const part = kubernetesPart(worker!, x);
    expect(part.storage?.files?.find((f) => f.path === sysextPath('v1.30.4'))?.contents).to.deep.equal({
      source: 'http://172.24.213.1:8080/assets/kubernetes/v1.30.4/kubernetes-v1.30.4-x86-64.raw', verification: { hash: `sha256-${'5'.repeat(64)}` } });
    expect(part.storage?.links).to.deep.equal([{ path: '/etc/extensions/kubernetes.raw', target: sysextPath('v1.30.4'), hard: false, overwrite: true }]);
    expect(part.storage?.files?.find((f) => f.path === '/etc/racker/kubeadm.yaml')?.mode).to.equal(0o600);
    expect(decodeDataSource(kubernetesPart(init!, x).storage?.files?.find((f) => f.path === '/etc/kubernetes/pki/ca.key')?.contents)).to.equal('CA-KEY');
  });

  it('hands the first controller every shared control-plane key the agent holds (kubeadm init keeps them), joining nodes none', () => {
    const controlPlane = { saKey: 'SA-KEY', saPub: 'SA-PUB', frontProxyCaCert: 'FP-CRT', frontProxyCaKey: 'FP-KEY', etcdCaCert: 'ETCD-CRT', etcdCaKey: 'ETCD-KEY' };
    const y = { ...x, secrets: { ...x.secrets, controlPlane } };
    const files = kubernetesPart(init!, y).storage?.files ?? [];
    const pki = Object.fromEntries(files.filter((f) => f.path.startsWith('/etc/kubernetes/pki/')).map((f) => [f.path.slice('/etc/kubernetes/pki/'.length), [decodeDataSource(f.contents), f.mode]]));
    expect(pki).to.deep.equal({
      'ca.crt': ['CA-CERT', 0o644], 'ca.key': ['CA-KEY', 0o600], 'sa.key': ['SA-KEY', 0o600], 'sa.pub': ['SA-PUB', 0o644],
      'front-proxy-ca.crt': ['FP-CRT', 0o644], 'front-proxy-ca.key': ['FP-KEY', 0o600], 'etcd/ca.crt': ['ETCD-CRT', 0o644], 'etcd/ca.key': ['ETCD-KEY', 0o600],
    });
    for (const n of [joinCp, worker]) expect((kubernetesPart(n!, y).storage?.files ?? []).filter((f) => f.path.startsWith('/etc/kubernetes/pki/'))).to.deep.equal([]);
  });

  it('makes bootstrap tokens in kubeadm\'s format and a kubeconfig with embedded credentials', () => {
    for (let i = 0; i < 20; i++) expect(bootstrapToken()).to.match(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const k = renderKubeconfig('prod', 'https://10.0.0.2:6443', { caCert: 'C', adminCert: 'A', adminKey: 'K' });
    expect(k).to.contain('server: https://10.0.0.2:6443').and.contain(`certificate-authority-data: ${Buffer.from('C').toString('base64')}`).and.contain('current-context: racker-admin@prod');
  });
});
