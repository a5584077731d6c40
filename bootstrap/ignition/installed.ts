/**
 * The installed system's Ignition (served for `os=installed` after the installer's reboot): host
 * name, /etc/hosts, internal and public networking by MAC, SSH keys, the Kubernetes part when asked
 * for, the user's snippets (merged last, so they win), and a one-shot report of `ready`.
 */
import type { BootstrapPlan, PlannedNode } from '../plan.js';
import { activeNodes } from '../plan.js';
import type { Endpoints } from '../endpoints.js';
import { config, file, mergeConfigs, unit } from './builders.js';
import { internalNetwork, publicNetwork, INTERNAL_NETWORK_FILE, PUBLIC_NETWORK_FILE } from './networkd.js';
import { phoneHomeFiles, REPORT_SCRIPT } from './phone-home.js';
import type { IgnitionConfig } from './types.js';

export const READY_MARKER = '/var/lib/racker/ready-reported';

const READY_UNIT = `[Unit]
Description=racker: report that this node is ready
Wants=network-online.target
After=network-online.target
ConditionPathExists=!${READY_MARKER}

[Service]
Type=oneshot
ExecStart=${REPORT_SCRIPT} ready
ExecStartPost=/usr/bin/mkdir -p /var/lib/racker
ExecStartPost=/usr/bin/touch ${READY_MARKER}

[Install]
WantedBy=multi-user.target
`;

/** /etc/hosts: localhost, every provisioned node's names, and (Kubernetes) the API name on every controller. */
export function hostsFile(plan: BootstrapPlan): string {
  const lines = ['127.0.0.1 localhost', '::1 localhost', '# racker: the rack-internal names'];
  for (const n of activeNodes(plan)) lines.push(`${n.internalAddress} ${n.fqdn} ${n.hostname}`);
  if (plan.apiName !== undefined) {
    lines.push('# racker: the Kubernetes API name resolves to every controller');
    for (const n of activeNodes(plan).filter((x) => x.role === 'controller')) lines.push(`${n.internalAddress} ${plan.apiName}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface InstalledParts {
  /** Kubernetes: the kubeadm part for this node. */
  kubernetes?: IgnitionConfig;
  /** User snippets for this node, most general first. */
  snippets?: readonly IgnitionConfig[];
}

export function installedConfig(plan: BootstrapPlan, e: Endpoints, node: PlannedNode, token: string, parts: InstalledParts = {}): IgnitionConfig {
  let c = config({
    users: plan.sshKeys.length > 0 ? [{ name: 'core', sshAuthorizedKeys: [...plan.sshKeys] }] : [],
    files: [
      file('/etc/hostname', `${node.hostname}\n`),
      file('/etc/hosts', hostsFile(plan)),
      file(INTERNAL_NETWORK_FILE, internalNetwork(node.mac, node.internalAddress, plan.prefix)),
      file(PUBLIC_NETWORK_FILE, publicNetwork(node.secondaryMac, node.public)),
      ...phoneHomeFiles(e.phoneHome, node.mac, token),
    ],
    units: [unit('racker-ready.service', READY_UNIT)],
  });
  if (parts.kubernetes !== undefined) c = mergeConfigs(c, parts.kubernetes);
  for (const s of parts.snippets ?? []) c = mergeConfigs(c, s);
  return c;
}
