/**
 * The matchbox groups and profiles of a node (matchbox-api.md §2.5-2.7). Two stages, as Typhoon
 * does it: an install group selected by MAC alone, whose profile PXE-boots Flatcar's PXE image with
 * the installer Ignition; and a group selected by MAC and `os=installed` (two selector keys, so it
 * outranks the first) whose profile holds only the installed system's Ignition. Pure.
 */
import { macHex, type Mac } from '../agent/lib/mac.js';
import type { BootStore, MatchboxGroup, MatchboxProfile } from './ports.js';
import { installIgnitionUrl, type Endpoints } from './endpoints.js';
import type { PlannedNode } from './plan.js';
import type { IgnitionConfig } from './ignition/types.js';
import { renderIgnition } from './ignition/builders.js';

export const PXE_KERNEL = 'flatcar_production_pxe.vmlinuz';
export const PXE_INITRD = 'flatcar_production_pxe_image.cpio.gz';

export interface BootOptions {
  flatcarVersion: string;
  console: readonly string[];
  kernelArgs: readonly string[];
}

export interface NodeBootData {
  profiles: MatchboxProfile[];
  groups: MatchboxGroup[];
  ignition: { name: string; content: string }[];
}

export const installGroupId = (mac: Mac): string => `racker-install-${macHex(mac)}`;
export const installedGroupId = (mac: Mac): string => `racker-installed-${macHex(mac)}`;

/**
 * A stage is over for a node (install: it booted from disk; installed: it reported ready): its
 * group goes, so it is not served again, and its Ignition with it, which carries the node's
 * phone-home token and, for the first controller, the cluster's CA key.
 */
export async function retireStage(store: BootStore, groupId: string): Promise<void> {
  await store.removeGroup(groupId);
  await store.removeIgnition(`${groupId}.ign`);
}

/** The installer's kernel command line. `initrd=` is needed for UEFI so the kernel finds iPXE's initrd by name. */
export function installKernelArgs(e: Endpoints, o: BootOptions): string[] {
  return [`initrd=${PXE_INITRD}`, `ignition.config.url=${installIgnitionUrl(e)}`, 'flatcar.first_boot=yes', ...o.console, ...o.kernelArgs];
}

export function nodeBootData(node: PlannedNode, e: Endpoints, o: BootOptions, install: IgnitionConfig, installed: IgnitionConfig): NodeBootData {
  const installId = installGroupId(node.mac);
  const installedId = installedGroupId(node.mac);
  const assets = `/assets/flatcar/${o.flatcarVersion}`;
  const metadata = { hostname: node.hostname, role: node.role, managedBy: 'racker' };
  return {
    ignition: [
      { name: `${installId}.ign`, content: renderIgnition(install) },
      { name: `${installedId}.ign`, content: renderIgnition(installed) },
    ],
    profiles: [
      {
        id: installId,
        name: `racker: install Flatcar ${o.flatcarVersion} on ${node.hostname}`,
        ignition_id: `${installId}.ign`,
        boot: { kernel: `${assets}/${PXE_KERNEL}`, initrd: [`${assets}/${PXE_INITRD}`], args: installKernelArgs(e, o) },
      },
      { id: installedId, name: `racker: ${node.hostname} installed`, ignition_id: `${installedId}.ign` },
    ],
    groups: [
      { id: installId, name: `racker: install ${node.hostname}`, profile: installId, selector: { mac: node.mac }, metadata },
      { id: installedId, name: `racker: ${node.hostname} installed`, profile: installedId, selector: { mac: node.mac, os: 'installed' }, metadata },
    ],
  };
}

/** The installed system's part of a node's data, for a node already past its install. */
export function installedOnly(data: NodeBootData, mac: Mac): NodeBootData {
  const id = installGroupId(mac);
  return {
    ignition: data.ignition.filter((i) => i.name !== `${id}.ign`),
    profiles: data.profiles.filter((p) => p.id !== id),
    groups: data.groups.filter((g) => g.id !== id),
  };
}

/** Write a node's data: Ignition and profiles before the groups that point at them. */
export async function writeNodeBootData(store: BootStore, data: NodeBootData): Promise<void> {
  for (const i of data.ignition) await store.putIgnition(i.name, i.content);
  for (const p of data.profiles) await store.putProfile(p);
  for (const g of data.groups) await store.putGroup(g);
}
