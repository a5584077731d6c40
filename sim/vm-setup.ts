/**
 * Per-node VM preparation at create: the disk images (sim/hardware.ts), and the QEMU argument
 * files for a PXE boot and a disk boot. With the stand-in OS a disk boot is QEMU's direct kernel
 * boot of the stand-in with `racker.standin=disk` (the stand-in then reads the disk: no install,
 * "No bootable device");
 * with real Flatcar the firmware boots the disk flatcar-install wrote.
 */
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Exec } from '../agent/lib/exec.js';
import { isRackerError } from '../agent/lib/errors.js';
import { kvmProbeArgs, qemuArgs, renderArgsFile, type Accel, type VmSpec } from './vm.js';
import type { SimNode } from './rack-spec.js';
import type { BootOs } from './standin.js';
import { nodeDir } from './sim-files.js';
import type { SimDisk, SimHardware } from './hardware.js';

export const QEMU = 'qemu-system-x86_64';
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/**
 * Guest memory by OS: the stand-in's root (~125 MB, unpacked from the initramfs into RAM) under
 * systemd boots in 512 MiB; Flatcar's PXE image wants at least 3 GiB (its /usr is in RAM too).
 */
export const MEMORY_MIB = { standin: 512, flatcar: 3072 } as const;

/**
 * KVM only if a kernel really boots under it: /dev/kvm can be a nested kvm-pvm that aborts with
 * `-cpu host` or hangs once the guest leaves real mode (reference/simulator-notes.md).
 */
export async function probeAccel(exec: Exec, kernel: string, workDir: string): Promise<Accel> {
  if (!(await access('/dev/kvm').then(() => true, () => false))) return 'tcg';
  const log = join(workDir, 'kvm-probe.log');
  await rm(log, { force: true });
  try {
    await exec(QEMU, kvmProbeArgs(kernel, log), { timeoutMs: 6_000 });
  } catch (e) {
    if (!isRackerError(e)) throw e; // killed at the timeout or failed: the log decides
  }
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.includes('Linux version') ? 'kvm' : 'tcg';
}

export function vmSpec(node: SimNode, dir: string, accel: Accel, boot: 'pxe' | 'disk', os: BootOs, uefi: boolean, hardware: SimHardware): VmSpec {
  return {
    name: node.name,
    accel,
    memoryMiB: MEMORY_MIB[os.kind],
    boot,
    tap: node.tap,
    primaryMac: node.primaryMac,
    publicTap: node.publicTap,
    secondaryMac: node.secondaryMac,
    dir,
    hardware,
    consoleLog: join(dir, 'console.log'),
    consolePort: node.consolePort,
    ipmiVmPort: node.ipmiVmPort,
    pidFile: join(dir, 'qemu.pid'),
    qmpSocket: join(dir, 'qmp.sock'),
    uefi: uefi ? { code: OVMF_CODE, vars: join(dir, 'OVMF_VARS.fd') } : undefined,
    directKernel: os.kind === 'standin'
      ? { kernel: os.kernel, initrd: os.initrd, append: 'console=ttyS0,115200n8 racker.standin=disk' }
      : undefined,
  };
}

export async function prepareVm(exec: Exec, root: string, node: SimNode, accel: Accel, os: BootOs, uefi: boolean, hardware: SimHardware): Promise<void> {
  const dir = nodeDir(root, node);
  for (const d of hardware.disks) await makeDisk(exec, dir, d);
  await writeVmArgs(node, dir, accel, os, uefi, hardware);
}

/** A new disk image, as it comes: blank, or (a second-hand disk) holding a whole-disk ext4 file system. */
export async function makeDisk(exec: Exec, dir: string, d: SimDisk): Promise<void> {
  const file = join(dir, d.file);
  await rm(file, { force: true });
  await exec('qemu-img', ['create', '-q', '-f', d.format, file, `${d.sizeGiB}G`]);
  if (d.ext4Label !== undefined) await exec('mkfs.ext4', ['-q', '-F', '-L', d.ext4Label, file]);
}

/** The QEMU arguments of both boots; the node's runner reads them at every power-on. */
export async function writeVmArgs(node: SimNode, dir: string, accel: Accel, os: BootOs, uefi: boolean, hardware: SimHardware): Promise<void> {
  for (const boot of ['pxe', 'disk'] as const) {
    await writeFile(join(dir, `qemu-${boot}.args`), renderArgsFile(qemuArgs(vmSpec(node, dir, accel, boot, os, uefi, hardware))));
  }
}
