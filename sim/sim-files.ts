/**
 * The files of a simulated rack under its directory:
 *   oem/{nodes.csv,ipmi_user,ipmi_password}   the simulated OEM partition (password 0600)
 *   etc/racker.yaml                           the racker configuration (printed by create)
 *   sys-class-net/<iface>/{address,device/}   the management namespace's interfaces as racker reads them
 *   racker-state/, run/                       racker's state and run directories
 *   nodes/<node>/                             one BMC (and VM): node.env, lan.conf.in (0600), bmc.emu,
 *                                             power, boot, events, faults/, qemu-*.args, disk.qcow2, logs
 */
import type { SignedAssets } from './standin-signing.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../agent/lib/atomic-file.js';
import { renderEmu, renderLanConfTemplate, renderNodeEnv } from './bmc-config.js';
import { simFru, simHardware } from './hardware.js';
import { renderRackerConfig, type SimDirs } from './racker-config.js';
import { renderNodesCsv, type RackSpec, type SimNode } from './rack-spec.js';

/** The shell helpers (chassis-control.sh, vm-runner.sh, bmc-*.sh), next to the compiled code's source. */
export const SIM_SH_DIR = fileURLToPath(new URL('../../sim/sh/', import.meta.url)).replace(/\/$/, '');

export const BMC_USER = 'admin';

export function simDirs(root: string): SimDirs {
  return {
    root,
    oemDir: join(root, 'oem'),
    etcDir: join(root, 'etc'),
    stateDir: join(root, 'racker-state'),
    runDir: join(root, 'run'),
    sysClassNet: join(root, 'sys-class-net'),
    configPath: join(root, 'etc', 'racker.yaml'),
  };
}

export function nodeDir(root: string, node: Pick<SimNode, 'name'>): string {
  return join(root, 'nodes', node.name);
}

/** ipmi_sim's config strings and the shell scripts cannot carry these safely. */
export function checkPathSafe(what: string, path: string): void {
  if (!/^\/[A-Za-z0-9._/+-]*$/.test(path)) {
    throw new Error(`${what} ${JSON.stringify(path)} has characters the simulator cannot quote (use letters, digits, . _ - + /)`);
  }
}

export function newBmcPassword(): string {
  return randomBytes(12).toString('base64url');
}

export interface NodeEnvInput {
  vm: boolean;
  qemu: string;
  ovmfVarsTemplate: string | undefined;
}

export function nodeEnv(spec: RackSpec, node: SimNode, o: NodeEnvInput): Record<string, string | number> {
  return {
    NODE: node.name,
    VM: o.vm ? 1 : 0,
    IFACE: node.bmcIface,
    TABLE: node.routeTable,
    SIM_SH: SIM_SH_DIR,
    QEMU: o.qemu,
    OVMF_VARS_TEMPLATE: o.ovmfVarsTemplate ?? '',
    NETNS: spec.netns,
  };
}

/** Write the OEM files, the racker configuration, the interface snapshot and every node's BMC files. */
export async function writeRackFiles(spec: RackSpec, dirs: SimDirs, o: NodeEnvInput & { password: string; pinBmcAddresses: boolean; flatcar?: SignedAssets; uefi?: boolean }): Promise<void> {
  for (const d of [dirs.oemDir, dirs.etcDir, dirs.stateDir, dirs.runDir, dirs.sysClassNet]) await mkdir(d, { recursive: true });
  await writeFileAtomic(join(dirs.oemDir, 'nodes.csv'), renderNodesCsv(spec), { mode: 0o644 });
  await writeFileAtomic(join(dirs.oemDir, 'ipmi_user'), `${BMC_USER}\n`, { mode: 0o644 });
  await writeFileAtomic(join(dirs.oemDir, 'ipmi_password'), `${o.password}\n`, { mode: 0o600 });
  await writeFileAtomic(dirs.configPath, renderRackerConfig(spec, dirs, { pinBmcAddresses: o.pinBmcAddresses, flatcar: o.flatcar, uefi: o.uefi }), { mode: 0o644 });
  for (const [iface, mac] of [[spec.mgmt.pxeIface, spec.mgmt.secondaryMac], [spec.mgmt.publicIface, spec.mgmt.primaryMac]] as const) {
    // A `device` entry marks a physical port, which is what the management node's NICs are.
    await mkdir(join(dirs.sysClassNet, iface, 'device'), { recursive: true });
    await writeFile(join(dirs.sysClassNet, iface, 'address'), `${mac}\n`);
  }
  for (const node of spec.nodes) await writeNodeFiles(spec, dirs.root, node, o);
}

export async function writeNodeFiles(spec: RackSpec, root: string, node: SimNode, o: NodeEnvInput & { password: string }): Promise<void> {
  const d = nodeDir(root, node);
  await mkdir(join(d, 'faults'), { recursive: true });
  await writeFile(join(d, 'node.env'), renderNodeEnv(nodeEnv(spec, node, o)));
  await writeLanConf(d, node, o.password, o.vm);
  // The BMC's FRU names the server the VM is (the disks do not matter to it).
  await writeFile(join(d, 'bmc.emu'), renderEmu(simFru(simHardware(spec.name, node, { dataDisk: false }))));
  await writeFile(join(d, 'power'), '0\n');
  await writeFile(join(d, 'boot'), 'default\n');
  await writeFile(join(d, 'events'), '');
}

/** lan.conf.in holds the password: 0600. Rewritten by the wrong-password fault. */
export async function writeLanConf(dir: string, node: SimNode, password: string, vm: boolean): Promise<void> {
  const text = renderLanConfTemplate({
    name: node.name,
    user: BMC_USER,
    password,
    chassisControl: `sh ${SIM_SH_DIR}/chassis-control.sh ${dir}`,
    vm: vm ? { ipmiVmPort: node.ipmiVmPort, consolePort: node.consolePort } : undefined,
  });
  await writeFileAtomic(join(dir, 'lan.conf.in'), text, { mode: 0o600 });
}
