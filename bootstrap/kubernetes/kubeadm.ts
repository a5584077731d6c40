/**
 * The Kubernetes part of a node's installed Ignition: Flatcar's Kubernetes system extension
 * (kubeadm, kubelet, kubectl; served by the agent, checked by digest), kernel settings, and a kubeadm configuration with a one-shot unit:
 * the first controller runs `kubeadm init` with the agent's CA, bootstrap token and certificate
 * key, applies the CNI manifest and, once every node is Ready, the configured manifests; the other
 * controllers join the control plane, workers join as nodes. Every node reports `joined`. Pure.
 */
import type { BootstrapPlan, PlannedNode } from '../plan.js';
import { activeNodes } from '../plan.js';
import { config, file, unit } from '../ignition/builders.js';
import { REPORT_SCRIPT } from '../ignition/phone-home.js';
import type { IgnitionConfig, IgnitionFile } from '../ignition/types.js';
import { sharedControlPlaneFiles, type ClusterSecrets } from './pki.js';
import { dnsSafe } from '../../agent/inventory/hostnames.js';

export interface KubernetesSettings {
  version: string;
  podSubnet: string;
  serviceSubnet: string;
}

/** The system extension as the agent's boot service serves it (kubernetes/sysext.ts), and its digest. */
export interface ServedSysext {
  url: string;
  sha256: string;
}

export interface KubernetesInputs {
  plan: BootstrapPlan;
  secrets: Pick<ClusterSecrets, 'token' | 'certificateKey' | 'caCert' | 'caKey' | 'caCertHash' | 'controlPlane'>;
  settings: KubernetesSettings;
  sysext: ServedSysext;
  /** CNI manifest content, applied after init. */
  cniManifest: string | undefined;
  /** Further manifests (name → content), applied once every node is Ready. */
  manifests: readonly { name: string; content: string }[];
}

export const KUBEADM_CONFIG = '/etc/racker/kubeadm.yaml';
export const KUBEADM_SCRIPT = '/opt/racker/bin/racker-kubeadm';
const API_PORT = 6443;

export function sysextPath(version: string): string {
  return `/opt/extensions/kubernetes/kubernetes-${version}-x86-64.raw`;
}

/** The API group of racker's node labels. */
export const LABEL_PREFIX = 'racker.io';

/**
 * Labels a node's kubelet registers it with: its role and its node type from nodes.csv (in the
 * DNS-safe form snippets use, at most 63 characters as label values must be). kubelets may not
 * set labels under kubernetes.io, hence racker's own prefix.
 */
export function nodeLabels(node: PlannedNode): string {
  const type = dnsSafe(node.nodeType).slice(0, 63).replace(/-+$/, '');
  return [`${LABEL_PREFIX}/role=${node.role}`, ...(type === '' ? [] : [`${LABEL_PREFIX}/node-type=${type}`])].join(',');
}

/**
 * kubeadm's configuration (kubeadm.k8s.io/v1beta4, what Kubernetes 1.31 and later read; its
 * extra arguments are lists of name/value pairs). The control-plane certificates last one year
 * and the CA ten (kubeadm's defaults, spelled out); docs/bootstrap.md says how they are renewed.
 */
export function kubeadmConfig(node: PlannedNode, x: KubernetesInputs): string {
  const plan = x.plan;
  const controllers = activeNodes(plan).filter((n) => n.role === 'controller');
  const endpoint = `${plan.apiName ?? ''}:${API_PORT}`;
  const registration = `nodeRegistration:
  name: ${node.hostname}
  kubeletExtraArgs:
  - name: node-ip
    value: ${node.internalAddress}
  - name: node-labels
    value: ${nodeLabels(node)}
`;
  if (node.initController) {
    return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: ${x.secrets.token}
  ttl: 24h0m0s
certificateKey: ${x.secrets.certificateKey}
localAPIEndpoint:
  advertiseAddress: ${node.internalAddress}
  bindPort: ${API_PORT}
${registration}---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${x.settings.version}
clusterName: ${plan.clusterName}
controlPlaneEndpoint: ${endpoint}
certificateValidityPeriod: 8760h0m0s
caCertificateValidityPeriod: 87600h0m0s
apiServer:
  certSANs:
  - ${plan.apiName ?? ''}
${controllers.map((c) => `  - ${c.internalAddress}\n  - ${c.fqdn}`).join('\n')}
networking:
  podSubnet: ${x.settings.podSubnet}
  serviceSubnet: ${x.settings.serviceSubnet}
controllerManager:
  extraArgs:
  # /usr is read-only on Flatcar
  - name: flex-volume-plugin-dir
    value: /opt/libexec/kubernetes/kubelet-plugins/volume/exec/
`;
  }
  const controlPlane = node.role === 'controller' ? `controlPlane:
  certificateKey: ${x.secrets.certificateKey}
  localAPIEndpoint:
    advertiseAddress: ${node.internalAddress}
    bindPort: ${API_PORT}
` : '';
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    token: ${x.secrets.token}
    apiServerEndpoint: ${endpoint}
    caCertHashes:
    - ${x.secrets.caCertHash}
${registration}${controlPlane}`;
}

export function kubeadmScript(node: PlannedNode, x: KubernetesInputs): string {
  const expected = activeNodes(x.plan).length;
  if (!node.initController) {
    return `#!/bin/bash
# racker: join the cluster (retried by systemd until the API answers)
set -euo pipefail
kubeadm join --config ${KUBEADM_CONFIG}
${REPORT_SCRIPT} joined
`;
  }
  return `#!/bin/bash
# racker: initialise the cluster, apply the CNI, report, then apply the manifests once all ${expected} nodes are Ready
set -euo pipefail
if [ ! -f /etc/kubernetes/admin.conf ]; then
  kubeadm init --config ${KUBEADM_CONFIG} --upload-certs
fi
export KUBECONFIG=/etc/kubernetes/admin.conf
if [ -f /etc/racker/cni.yaml ]; then
  until kubectl apply -f /etc/racker/cni.yaml; do sleep 5; done
fi
${REPORT_SCRIPT} joined
if [ -n "$(ls -A /etc/racker/manifests 2>/dev/null)" ]; then
  until [ "$(kubectl get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)" -ge ${expected} ]; do sleep 10; done
  until kubectl apply -f /etc/racker/manifests/; do sleep 10; done
fi
`;
}

const KUBEADM_UNIT = `[Unit]
Description=racker: kubeadm (initialise or join the cluster)
Wants=network-online.target
After=network-online.target containerd.service systemd-sysext.service
Requires=containerd.service
ConditionPathExists=!/etc/kubernetes/kubelet.conf

[Service]
Type=oneshot
ExecStart=${KUBEADM_SCRIPT}
Restart=on-failure
RestartSec=15
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
`;

export function kubernetesPart(node: PlannedNode, x: KubernetesInputs): IgnitionConfig {
  const raw = sysextPath(x.settings.version);
  const files: IgnitionFile[] = [
    // From the agent, never the Internet; Ignition refuses the file unless its digest is the pinned one.
    { path: raw, mode: 0o644, contents: { source: x.sysext.url, verification: { hash: `sha256-${x.sysext.sha256}` } } },
    file('/etc/modules-load.d/racker-kubernetes.conf', 'overlay\nbr_netfilter\n'),
    file('/etc/sysctl.d/racker-kubernetes.conf', 'net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n'),
    file(KUBEADM_CONFIG, kubeadmConfig(node, x), { mode: 0o600 }),
    file(KUBEADM_SCRIPT, kubeadmScript(node, x), { mode: 0o700 }),
  ];
  if (node.initController) {
    // kubeadm init keeps keys it finds: with the agent's, a controller can join later (runner.ts).
    const shared = x.secrets.controlPlane === undefined
      ? [{ name: 'ca.crt', content: x.secrets.caCert, privateKey: false }, { name: 'ca.key', content: x.secrets.caKey, privateKey: true }]
      : sharedControlPlaneFiles(x.secrets, x.secrets.controlPlane);
    for (const f of shared) files.push(file(`/etc/kubernetes/pki/${f.name}`, f.content, f.privateKey ? { mode: 0o600 } : {}));
    if (x.cniManifest !== undefined) files.push(file('/etc/racker/cni.yaml', x.cniManifest, { mode: 0o600 }));
    for (const m of x.manifests) files.push(file(`/etc/racker/manifests/${m.name}`, m.content, { mode: 0o600 }));
  }
  const c = config({ files, units: [{ name: 'kubelet.service', enabled: true }, unit('racker-kubeadm.service', KUBEADM_UNIT)] });
  c.storage = { ...c.storage, links: [{ path: '/etc/extensions/kubernetes.raw', target: raw, hard: false, overwrite: true }] };
  return c;
}
