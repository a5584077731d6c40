/**
 * The hardware a simulated server shows its OS, as a real server's would be inspected: SMBIOS
 * system strings (vendor, product, serial, UUID: QEMU's `-smbios type=1`), a 20 GiB virtio system
 * disk, a 2 GiB USB stick (usb-storage on an xHCI controller) and, on request, a 12 GiB virtio
 * data disk that already holds an ext4 file system (the disk racker must refuse to overwrite). Each
 * disk has its own serial number. Pure and deterministic: the same rack gives the same hardware.
 * Disk images are sparse: the sizes cost no space until written. A disk a technician replaced
 * (`racker-sim disk NODE replace SLOT`) is another of the same kind with a new serial number.
 */
import { createHash } from 'node:crypto';
import type { SimNode } from './rack-spec.js';
import { fruImage } from './fru-image.js';

/** The disk bays of a simulated server. */
export const DISK_SLOTS = ['system', 'usb', 'data'] as const;
export type DiskSlot = (typeof DISK_SLOTS)[number];

export interface SimDisk {
  slot: DiskSlot;
  /** Image file name in the node's directory. */
  file: string;
  format: 'qcow2' | 'raw';
  sizeGiB: number;
  bus: 'virtio' | 'usb';
  serial: string;
  /** An ext4 file system written when the image is made (a disk with data on it). */
  ext4Label?: string;
}

export interface SimHardware {
  vendor: string;
  product: string;
  serial: string;
  uuid: string;
  disks: SimDisk[];
}

export const SIM_VENDOR = 'racker-sim';
export const SIM_PRODUCT = 'Simulated Server S1';

export interface HardwareOptions {
  /** This server also has the 12 GiB data disk with a file system on it. */
  dataDisk: boolean;
  /** How often the disk in each slot was replaced (each replacement has a new serial). */
  replaced?: Partial<Record<DiskSlot, number>>;
}

/** The options of one server, from the rack's (sim/state.ts SimOptions: dataDisks, replacedDisks). */
export function hardwareOptions(o: { dataDisks?: readonly string[]; replacedDisks?: Readonly<Record<string, Partial<Record<DiskSlot, number>>>> }, node: SimNode): HardwareOptions {
  return { dataDisk: o.dataDisks?.includes(node.name) === true, replaced: o.replacedDisks?.[node.name] ?? {} };
}

export function simHardware(rack: string, node: SimNode, o: HardwareOptions): SimHardware {
  const h = createHash('sha256').update(`${rack}/${node.row}`).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const tag = `${h.slice(0, 6).toUpperCase()}${String(node.row).padStart(3, '0')}`;
  const serial = (slot: DiskSlot, prefix: string): string => {
    const n = o.replaced?.[slot] ?? 0;
    return n === 0 ? `${prefix}${tag}` : `${prefix}${tag}R${n}`;
  };
  const disks: SimDisk[] = [
    { slot: 'system', file: 'disk.qcow2', format: 'qcow2', sizeGiB: 20, bus: 'virtio', serial: serial('system', 'OS') },
    { slot: 'usb', file: 'usb.qcow2', format: 'qcow2', sizeGiB: 2, bus: 'usb', serial: serial('usb', 'USB') },
  ];
  if (o.dataDisk) disks.push({ slot: 'data', file: 'data.img', format: 'raw', sizeGiB: 12, bus: 'virtio', serial: serial('data', 'DATA'), ext4Label: 'data' });
  return { vendor: SIM_VENDOR, product: SIM_PRODUCT, serial: `SIM${tag}`, uuid, disks };
}

/**
 * What the server's BMC holds in FRU 0: the same vendor, product and serial as its SMBIOS (a real
 * BMC's FRU and its server's SMBIOS agree), so racker's BMC check and the install boot's
 * inspection of a simulated server agree too. The board has a serial of its own, as on real servers.
 */
export function simFru(hw: Pick<SimHardware, 'vendor' | 'product' | 'serial'>): number[] {
  return fruImage({
    chassis: { type: 23, part: 'S1-CHASSIS', serial: hw.serial },
    board: { minutesSince1996: 15_000_000, manufacturer: hw.vendor, product: 'S1 board', serial: `B${hw.serial}`, part: 'S1-BOARD' },
    product: { manufacturer: hw.vendor, name: hw.product, part: 'S1', version: '1.0', serial: hw.serial, assetTag: '' },
  });
}
