/** The plan as the operator reads it (`racker bootstrap --dry-run`): pure text and JSON renderers. */
import type { BootstrapPlan, PlannedNode } from './plan.js';
import type { Endpoints } from './endpoints.js';
import { describeRule, type NodeDiskChoice } from './disk-rules.js';

export interface PlanExtras {
  endpoints: Endpoints;
  flatcar: { channel: string; version: string };
  /** The rack-wide install-disk rule and wipe policy, and each node's (they differ with bootstrap.nodeTypes/nodes). */
  disk: NodeDiskChoice;
  disks: ReadonlyMap<string, NodeDiskChoice>;
  minDiskGiB: number;
  console: readonly string[];
  kubernetesVersion: string | undefined;
  /** Kubernetes: where the agent takes the system extension from, its pin, and where nodes get it. */
  sysext?: { from: string; sha256: string; pinnedBy: string; servedAt: string };
  /** Snippet files per node MAC. */
  snippets: ReadonlyMap<string, readonly string[]>;
  answersFile: string;
  answerSources: Readonly<Record<string, string>>;
  /** Nodes the run leaves alone, primary MAC → why (rerun.ts); set by the dry run from the agent's records. */
  skipped?: ReadonlyMap<string, string>;
}

export function publicText(n: PlannedNode): string {
  if (n.public === undefined) return 'dhcp';
  const gw = [n.public.gateway4, n.public.gateway6].filter((g) => g !== undefined);
  return `${n.public.addresses.map((a) => a.cidr).join(' ')}${gw.length > 0 ? ` via ${gw.join(' ')}` : ''}${n.public.dns.length > 0 ? ` dns ${n.public.dns.join(' ')}` : ''}`;
}

export function roleText(n: PlannedNode): string {
  if (n.excludedBy !== undefined) return 'excluded';
  return n.initController ? 'controller (init)' : n.role;
}

function kubeText(plan: BootstrapPlan, n: PlannedNode): string {
  if (plan.provision !== 'kubernetes') return '';
  return n.initController ? ', kubeadm init' : n.role === 'controller' ? ', kubeadm join --control-plane' : ', kubeadm join';
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

export function renderPlanText(plan: BootstrapPlan, x: PlanExtras): string {
  const active = plan.nodes.filter((n) => n.excludedBy === undefined);
  const controllers = active.filter((n) => n.role === 'controller');
  const skippedCount = active.filter((n) => x.skipped?.has(n.mac) === true).length;
  const lines = [
    'racker bootstrap plan (dry run: nothing was changed)',
    '',
    `  provision      ${plan.provision === 'kubernetes' ? `Kubernetes ${x.kubernetesVersion ?? ''} (kubeadm on Flatcar), cluster ${plan.clusterName}, API ${plan.apiName ?? ''} on ${controllers.length} controller${controllers.length === 1 ? '' : 's'}` : `Flatcar Container Linux, cluster ${plan.clusterName}`}`,
    `  nodes          ${active.length - skippedCount} to provision${skippedCount > 0 ? `, ${skippedCount} skipped (already provisioned)` : ''}${plan.nodes.length > active.length ? `, ${plan.nodes.length - active.length} excluded` : ''}`,
    `  domain         ${plan.domain}`,
    `  internal       ${plan.subnet}, management node ${plan.managementAddress}, boot service ${x.endpoints.base}`,
    `  flatcar        ${x.flatcar.channel} ${x.flatcar.version}${x.flatcar.version === 'current' ? ' (resolved when the images are fetched)' : ''}, from ${x.endpoints.flatcarAssets}`,
    ...(x.sysext === undefined ? [] : [`  sysext         ${x.sysext.servedAt} (sha256 ${x.sysext.sha256}, ${x.sysext.pinnedBy}), fetched once from ${x.sysext.from}`]),
    `  install disk   ${describeRule(x.disk.rule, x.minDiskGiB)}; wipe ${x.disk.wipe}${x.disk.wipe === 'none' ? ' (a disk holding file systems is refused on a node racker never installed)' : ''}`,
    `  console        ${x.console.join(' ') || '(none)'}`,
    `  ssh keys       ${plan.sshKeys.length === 0 ? 'none: nodes are reachable on the console only' : plan.sshKeys.map((k) => k.split(' ')[2] ?? `${k.slice(0, 24)}…`).join(', ')}`,
    `  answers        ${x.answersFile} (${Object.entries(x.answerSources).map(([k, v]) => `${k}: ${v}`).join(', ')})`,
    '',
  ];
  const rows = [['NODE', 'ROLE', 'TYPE', 'PRIMARY MAC', 'INTERNAL', 'BMC', 'PUBLIC']];
  for (const n of plan.nodes) rows.push([n.fqdn, roleText(n), n.nodeType || '-', n.mac, n.internalAddress, n.bmcAddress, n.excludedBy !== undefined ? `(excluded by --exclude ${n.excludedBy})` : publicText(n)]);
  lines.push(...table(rows).map((l) => `  ${l}`), '', 'What each node gets:');
  for (const n of active) {
    const skip = x.skipped?.get(n.mac);
    if (skip !== undefined) {
      lines.push(`  ${n.hostname}: skipped: ${skip}`);
      continue;
    }
    const snippets = x.snippets.get(n.mac) ?? [];
    const d = x.disks.get(n.mac);
    if (d !== undefined && d.source !== x.disk.source) lines.push(`  ${n.hostname}: install disk ${describeRule(d.rule, x.minDiskGiB)} (${d.source}); wipe ${d.wipe}`);
    else if (d !== undefined && d.wipe !== x.disk.wipe) lines.push(`  ${n.hostname}: wipe ${d.wipe}`);
    lines.push(`  ${n.hostname}: installer (hardware inventory, flatcar-install, grub.cfg console and Ignition URL, reports installed); installed system (host name, /etc/hosts, internal ${n.internalAddress}/${plan.prefix}, public ${n.public === undefined ? 'DHCP' : 'static'}, ${plan.sshKeys.length} SSH key${plan.sshKeys.length === 1 ? '' : 's'}${kubeText(plan, n)}${snippets.length > 0 ? `, snippets ${snippets.join(' ')}` : ''}, reports ready)`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderPlanJson(plan: BootstrapPlan, x: PlanExtras): string {
  return `${JSON.stringify({
    plan, endpoints: x.endpoints, flatcar: x.flatcar, installDisk: x.disk, disks: Object.fromEntries(x.disks), minDiskGiB: x.minDiskGiB, console: x.console,
    kubernetesVersion: x.kubernetesVersion ?? null, sysext: x.sysext ?? null, snippets: Object.fromEntries(x.snippets), answersFile: x.answersFile, answerSources: x.answerSources,
    skipped: Object.fromEntries(x.skipped ?? []),
  }, null, 2)}\n`;
}
