import { expect } from 'chai';
import { kubeadmConfig, kubeadmScript, kubernetesPart, sysextPath, type KubernetesInputs } from '../../../bootstrap/kubernetes/kubeadm.js';
import { bootstrapToken, renderKubeconfig } from '../../../bootstrap/kubernetes/pki.js';
import { decodeDataSource } from '../../../bootstrap/ignition/builders.js';
import { fakePlan } from '../../lib/bootstrap-fixtures.js';

const plan = fakePlan(['cp', 'cp', 'cp', 'w'], { provision: 'kubernetes', controllers: 3, controllerType: 'cp' });
const x: KubernetesInputs = {
  plan,
  secrets: { token: 'abcdef.0123456789abcdef', certificateKey: 'f'.repeat(64), caCert: 'CA-CERT', caKey: 'CA-KEY', caCertHash: 'sha256:1234' },
  settings: { version: 'v1.30.4', sysextUrl: 'http://172.24.213.1:8080/assets/sysext/kubernetes-{version}-x86-64.raw', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
  cniManifest: 'kind: DaemonSet\n', manifests: [{ name: 'app.yaml', content: 'kind: Namespace\n' }],
};
const [init, joinCp, , worker] = plan.nodes;

describe('kubeadm on Flatcar', () => {
  it('initialises the first controller with the token, certificate key, API name and every controller as SAN', () => {
    const c = kubeadmConfig(init!, x);
    expect(c).to.contain('kind: InitConfiguration').and.contain('- token: abcdef.0123456789abcdef').and.contain(`certificateKey: ${'f'.repeat(64)}`);
    expect(c).to.contain('controlPlaneEndpoint: racker.rack.example.com:6443').and.contain('kubernetesVersion: v1.30.4');
    expect(c).to.contain('  - 172.24.213.2\n  - node-01.rack.example.com\n  - 172.24.213.3').and.contain('podSubnet: 10.244.0.0/16');
    expect(c).to.contain('node-ip: 172.24.213.2');
  });

  it('joins further controllers to the control plane and workers as nodes, pinning the CA hash', () => {
    const cp = kubeadmConfig(joinCp!, x);
    expect(cp).to.contain('kind: JoinConfiguration').and.contain('apiServerEndpoint: racker.rack.example.com:6443').and.contain('- sha256:1234');
    expect(cp).to.contain('controlPlane:\n  certificateKey:').and.contain('advertiseAddress: 172.24.213.3');
    const w = kubeadmConfig(worker!, x);
    expect(w).to.contain('kind: JoinConfiguration').and.not.contain('controlPlane');
    expect(kubeadmScript(worker!, x)).to.contain('kubeadm join --config /etc/racker/kubeadm.yaml\n/opt/racker/bin/racker-report joined');
  });

  it('applies the CNI after init and the manifests once every node is Ready', () => {
    const s = kubeadmScript(init!, x);
    expect(s).to.contain('kubeadm init --config /etc/racker/kubeadm.yaml --upload-certs');
    expect(s.indexOf('kubectl apply -f /etc/racker/cni.yaml')).to.be.lessThan(s.indexOf('racker-report joined'));
    expect(s).to.contain('-ge 4 ]').and.contain('kubectl apply -f /etc/racker/manifests/');
  });

  it('puts the CA key and manifests only on the first controller, the sysext on every node', () => {
    const paths = (n: typeof init) => (kubernetesPart(n!, x).storage?.files ?? []).map((f) => f.path);
    expect(paths(init)).to.include.members(['/etc/kubernetes/pki/ca.key', '/etc/racker/cni.yaml', '/etc/racker/manifests/app.yaml']);
    expect(paths(joinCp)).to.not.include('/etc/kubernetes/pki/ca.key');
    const part = kubernetesPart(worker!, x);
    expect(part.storage?.files?.find((f) => f.path === sysextPath('v1.30.4'))?.contents?.source).to.equal('http://172.24.213.1:8080/assets/sysext/kubernetes-v1.30.4-x86-64.raw');
    expect(part.storage?.links).to.deep.equal([{ path: '/etc/extensions/kubernetes.raw', target: sysextPath('v1.30.4'), hard: false, overwrite: true }]);
    expect(part.storage?.files?.find((f) => f.path === '/etc/racker/kubeadm.yaml')?.mode).to.equal(0o600);
    expect(decodeDataSource(kubernetesPart(init!, x).storage?.files?.find((f) => f.path === '/etc/kubernetes/pki/ca.key')?.contents)).to.equal('CA-KEY');
  });

  it('makes bootstrap tokens in kubeadm\'s format and a kubeconfig with embedded credentials', () => {
    for (let i = 0; i < 20; i++) expect(bootstrapToken()).to.match(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const k = renderKubeconfig('prod', 'https://10.0.0.2:6443', { caCert: 'C', adminCert: 'A', adminKey: 'K' });
    expect(k).to.contain('server: https://10.0.0.2:6443').and.contain(`certificate-authority-data: ${Buffer.from('C').toString('base64')}`).and.contain('current-context: racker-admin@prod');
  });
});
