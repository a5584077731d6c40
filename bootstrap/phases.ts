/**
 * The phases of one node's provisioning, in order, with what completes each, what a missed
 * deadline escalates to, and what the operator should check when it finally fails.
 */
import type { Observation } from './observation.js';
import type { Config } from '../agent/config/schema.js';
import { PHASES, type Phase } from '../agent/state/phases.js';


/** Phases where the agent acts (BMC commands) rather than waits for the node. */
export const ACTION_PHASES: readonly Phase[] = ['bmc-check', 'boot-override', 'power-cycle', 'boot-disk'];

/** Phases of the network install: a power cycle sends the node back to the first of them. */
export const NETBOOT_PHASES: readonly Phase[] = ['dhcp', 'boot-ipxe', 'ipxe', 'kernel', 'install-ignition', 'installing'];

export const phaseIndex = (p: Phase): number => PHASES.indexOf(p);

/** The last phase an observation proves complete, or undefined if it proves nothing. */
export function completes(o: Observation): Phase | undefined {
  switch (o.kind) {
    case 'dhcp-ack': return 'dhcp';
    case 'boot.ipxe': return 'boot-ipxe';
    case 'ipxe': return o.os === 'installed' ? undefined : 'ipxe';
    case 'kernel': return undefined; // the initrd follows; the phase ends with it
    case 'initrd': return 'kernel';
    case 'ignition': return o.os === 'installed' ? 'reboot' : 'install-ignition';
    case 'phone-home':
      if (o.status === 'installed') return 'installing';
      if (o.status === 'ready') return 'ready';
      if (o.status === 'joined') return 'joined';
      return undefined;
  }
}

/** What to do when a waiting phase misses its deadline, first to last; then the node fails. */
export type Escalation = 'reset-override-and-cycle' | 'toggle-boot-mode' | 'power-off-on' | 'power-cycle' | 'reset-disk-and-power-off-on';

export const ESCALATIONS: Readonly<Record<Phase, readonly Escalation[]>> = {
  'bmc-check': [],
  'boot-override': [],
  'power-cycle': [],
  dhcp: ['reset-override-and-cycle', 'toggle-boot-mode'],
  'boot-ipxe': ['reset-override-and-cycle', 'toggle-boot-mode'],
  ipxe: ['power-off-on'],
  kernel: ['power-off-on'],
  'install-ignition': ['power-off-on'],
  installing: ['power-off-on'],
  'boot-disk': [],
  reboot: ['power-cycle', 'reset-disk-and-power-off-on'],
  ready: [],
  joined: [],
};

/** What to check when a phase fails, for a node. */
export function phaseHint(p: Phase, n: { hostname: string; mac: string; bootBase: string }): string {
  const console = `watch the console: racker ipmi ${n.hostname} console`;
  switch (p) {
    case 'bmc-check': return `the BMC does not answer: check its cable and that it got its DHCP address (racker status), then racker ipmi ${n.hostname} diag`;
    case 'boot-override': return 'the BMC does not keep a PXE boot override: update its firmware, or put network boot first in the boot order';
    case 'power-cycle': return `the BMC did not switch the power: racker ipmi ${n.hostname} diag`;
    case 'dhcp': return `no DHCP request from ${n.mac}: check that the primary NIC is cabled to the internal switch and PXE is enabled for it in the firmware; ${console}`;
    case 'boot-ipxe': return `the node got an address but did not load iPXE: check the firmware boot mode (EFI or legacy) and TFTP; ${console}`;
    case 'ipxe': case 'kernel': return `iPXE runs but did not fetch its script or the kernel from ${n.bootBase}: check that the boot service answers there; ${console}`;
    case 'install-ignition': return `the installer kernel did not fetch its Ignition from ${n.bootBase}; ${console}`;
    case 'installing': return `the installer did not report: ${console} (journalctl -u racker-install)`;
    case 'boot-disk': return `the BMC did not keep the disk boot override: racker ipmi ${n.hostname} diag`;
    case 'reboot': return `the node did not boot the installed system: check the disk is first in the boot order; ${console}`;
    case 'ready': return `the installed system booted but did not report ready: ssh core@${n.hostname}, journalctl -u racker-ready; ${console}`;
    case 'joined': return `kubeadm did not finish: ssh core@${n.hostname}, journalctl -u racker-kubeadm`;
  }
}

/** What to check when the node itself reported the failure (its reason and output say what went wrong). */
export function reportedHint(p: Phase, n: { hostname: string }): string {
  const during = p === 'ready' || p === 'joined' ? 'the installed system' : 'the installer';
  return `${during} reported this failure itself: fix what its output says (for a disk problem: bootstrap.installDisk, or --wipe when the disk may be overwritten; racker inventory NODE lists the disks), then retry; the whole log: racker ipmi ${n.hostname} console (journalctl -u ${p === 'ready' || p === 'joined' ? 'racker-ready' : 'racker-install'})`;
}

/** The configuration's deadlines (bootstrap.deadlines.*Seconds) → milliseconds per phase. */
export function deadlinesMs(d: Readonly<Config['bootstrap']['deadlines']>): Record<Phase, number> {
  return {
    'bmc-check': d.bmcCheckSeconds * 1000, 'boot-override': d.bootOverrideSeconds * 1000, 'power-cycle': d.powerCycleSeconds * 1000,
    dhcp: d.dhcpSeconds * 1000, 'boot-ipxe': d.bootIpxeSeconds * 1000, ipxe: d.ipxeSeconds * 1000, kernel: d.kernelSeconds * 1000,
    'install-ignition': d.installIgnitionSeconds * 1000, installing: d.installedSeconds * 1000, 'boot-disk': d.bootDiskSeconds * 1000,
    reboot: d.rebootSeconds * 1000, ready: d.readySeconds * 1000, joined: d.joinedSeconds * 1000,
  };
}
