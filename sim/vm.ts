/**
 * QEMU command lines for a simulated server. Pure: the chassis program (chassis-control.sh via
 * vm-runner.sh) starts QEMU from the argument files rendered here, one per boot device, because
 * QEMU cannot change its boot device while it runs (a reset re-runs the same firmware path).
 *
 * Facts behind the flags (reference/simulator-notes.md): SeaBIOS PXE-boots even with
 * `-boot order=c,strict=on` when the NIC has an option ROM, so only a PXE boot gets the NIC's
 * iPXE ROM (`romfile=` empty otherwise); OVMF's own PXE client is used with `--uefi` (the NIC gets
 * no ROM) and PXE is switched off through fw_cfg for disk boots; `-no-reboot` turns a guest
 * reboot into a QEMU exit, so the runner can restart it with the boot device of that moment.
 */

import { join } from 'node:path';
import type { SimHardware } from './hardware.js';

export const ACCELS = ['kvm', 'tcg'] as const;
export type Accel = (typeof ACCELS)[number];
export type BootTarget = 'pxe' | 'disk';

export interface VmSpec {
  name: string;
  accel: Accel;
  memoryMiB: number;
  boot: BootTarget;
  tap: string;
  primaryMac: string;
  /** Second NIC on the public bridge, without a boot ROM. */
  publicTap?: string;
  secondaryMac?: string;
  /** The node's directory, where its disk images are. */
  dir: string;
  hardware: SimHardware;
  consoleLog: string;
  consolePort: number;
  ipmiVmPort: number;
  pidFile: string;
  qmpSocket: string;
  /** UEFI firmware; the vars file is a fresh copy per power-on (the runner makes it). */
  uefi?: { code: string; vars: string };
  /** Boot this kernel directly instead of the disk's boot loader (the stand-in OS's disk boot). */
  directKernel?: { kernel: string; initrd: string; append: string };
}

const SAFE_ARG = /^[^\n\0]*$/;

/** The argv after the QEMU binary. */
export function qemuArgs(v: VmSpec): string[] {
  const args: string[] = [
    '-name', v.name,
    '-nodefaults', '-display', 'none', '-no-reboot',
    '-m', String(v.memoryMiB), '-smp', '1',
    ...(v.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', 'max']),
    '-pidfile', v.pidFile,
    '-qmp', `unix:${v.qmpSocket},server=on,wait=off`,
  ];
  if (v.uefi !== undefined) {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${v.uefi.code}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${v.uefi.vars}`);
    if (v.boot !== 'pxe') {
      args.push('-fw_cfg', 'name=opt/org.tianocore/IPv4PXESupport,string=n');
      args.push('-fw_cfg', 'name=opt/org.tianocore/IPv6PXESupport,string=n');
    }
  }
  // The BIOS PXE path is the NIC's iPXE ROM (QEMU's default for virtio-net); OVMF brings its own.
  const rom = v.boot === 'pxe' && v.uefi === undefined ? '' : ',romfile=';
  args.push('-netdev', `tap,id=net0,ifname=${v.tap},script=no,downscript=no`);
  args.push('-device', `virtio-net-pci,netdev=net0,mac=${v.primaryMac},addr=0x3${rom}${v.boot === 'pxe' ? ',bootindex=1' : ''}`);
  if (v.publicTap !== undefined && v.secondaryMac !== undefined) {
    args.push('-netdev', `tap,id=net1,ifname=${v.publicTap},script=no,downscript=no`);
    args.push('-device', `virtio-net-pci,netdev=net1,mac=${v.secondaryMac},addr=0x4,romfile=`);
  }
  // SMBIOS type 1: what /sys/class/dmi/id shows the OS (and a BMC's FRU would tell).
  const hw = v.hardware;
  for (const x of [hw.vendor, hw.product, hw.serial]) if (/[,\n]/.test(x)) throw new Error(`SMBIOS string ${JSON.stringify(x)} has a comma or newline`);
  args.push('-smbios', `type=1,manufacturer=${hw.vendor},product=${hw.product},serial=${hw.serial},uuid=${hw.uuid}`);
  // The system disk first (vda), then the others; virtio disks from PCI slot 5, the USB stick on an xHCI controller.
  let slot = 5;
  hw.disks.forEach((d, i) => {
    args.push('-drive', `if=none,id=disk${i},format=${d.format},file=${join(v.dir, d.file)}`);
    if (d.bus === 'usb') {
      args.push('-device', `qemu-xhci,id=xhci${i},addr=0x${(0x10 + i).toString(16)}`, '-device', `usb-storage,bus=xhci${i}.0,drive=disk${i},serial=${d.serial}`);
    } else {
      const addr = slot === 6 ? 0x8 : slot; // 6 is the RNG's
      args.push('-device', `virtio-blk-pci,drive=disk${i},addr=0x${addr.toString(16)},serial=${d.serial}${i === 0 && v.boot === 'disk' && v.directKernel === undefined ? ',bootindex=1' : ''}`);
      slot = addr + 1;
    }
  });
  args.push('-device', 'virtio-rng-pci,addr=0x6');
  // In-band IPMI: the guest's KCS interface talks to this node's ipmi_sim (its `serial 15 … codec VM`).
  args.push('-chardev', `socket,id=ipmi0,host=127.0.0.1,port=${v.ipmiVmPort},reconnect=2`);
  args.push('-device', 'ipmi-bmc-extern,chardev=ipmi0,id=bmc0', '-device', 'isa-ipmi-kcs,bmc=bmc0');
  // Serial console: logged to a file, and a telnet server that ipmi_sim's SOL connects to.
  args.push('-chardev', `socket,id=con0,host=127.0.0.1,port=${v.consolePort},server=on,wait=off,telnet=on,logfile=${v.consoleLog},logappend=on`);
  args.push('-serial', 'chardev:con0');
  // bootindex on the chosen device, strict: no falling through to another device.
  args.push('-boot', 'strict=on');
  if (v.directKernel !== undefined && v.boot === 'disk') {
    args.push('-kernel', v.directKernel.kernel, '-initrd', v.directKernel.initrd, '-append', v.directKernel.append);
  }
  for (const a of args) if (!SAFE_ARG.test(a)) throw new Error(`QEMU argument ${JSON.stringify(a)} contains a newline or NUL`);
  return args;
}

/** The argument file vm-runner.sh reads: one argument per line. */
export function renderArgsFile(args: readonly string[]): string {
  return `${args.join('\n')}\n`;
}

/** Argv for the KVM probe: boot a kernel for a few seconds and watch the serial port for "Linux version". */
export function kvmProbeArgs(kernel: string, serialLog: string): string[] {
  return [
    '-nodefaults', '-display', 'none', '-no-reboot', '-m', '128',
    '-accel', 'kvm', '-cpu', 'host',
    '-kernel', kernel, '-append', 'console=ttyS0 panic=-1',
    '-chardev', `file,id=con0,path=${serialLog}`, '-serial', 'chardev:con0',
  ];
}
