/**
 * `bootstrap.installDisk` / `bootstrap.wipe`, and their per-node-type and per-node overrides: which
 * disk the installer writes Flatcar to, and what it may overwrite. The rule is evaluated on the node
 * (bootstrap/ignition/disk-select.ts) against what `lsblk` reports there.
 */
import { z } from 'zod';

/** lsblk's TRAN values an operator can ask for (virtio: QEMU/KVM guests, where older lsblk says nothing). */
export const TRANSPORTS = ['nvme', 'sata', 'sas', 'ata', 'scsi', 'usb', 'mmc', 'virtio', 'fc', 'iscsi'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * `none`: never overwrite a disk holding file systems unless racker installed this node before.
 * `metadata`: the chosen disk's partition tables and file-system signatures may be erased.
 * `all-disks-metadata`: also erase them on every other fixed disk (not USB, not removable).
 */
export const WIPE_POLICIES = ['none', 'metadata', 'all-disks-metadata'] as const;
export type WipePolicy = (typeof WIPE_POLICIES)[number];

/** A shell-style pattern (`*`, `?`), matched against the whole lsblk value. */
const pattern = z.string().min(1).max(128).regex(/^[\x20-\x7e]+$/, 'must be printable ASCII (* and ? are wildcards)');

export const diskRuleSchema = z.strictObject({
  /** A device path, e.g. /dev/nvme0n1 (names can change between boots: prefer byPath, serial or wwn). */
  device: z.string().regex(/^\/dev\/[A-Za-z0-9._/-]+$/, 'must be a device path like /dev/sda').optional(),
  /** A name under /dev/disk/by-path, e.g. pci-0000:00:17.0-ata-1 (the slot, stable across disk swaps). */
  byPath: z.string().regex(/^[A-Za-z0-9:._+-]+$/, 'must be a name under /dev/disk/by-path, like pci-0000:00:17.0-ata-1').optional(),
  model: pattern.optional(),
  serial: pattern.optional(),
  wwn: pattern.optional(),
  /** Any of these transports (lsblk TRAN); a rule without it never picks USB or removable disks. */
  transport: z.array(z.enum(TRANSPORTS)).min(1).optional(),
  rotational: z.boolean().optional(),
  /** Size range, GiB (default minimum: bootstrap.minDiskGiB). */
  minSizeGiB: z.number().min(0).max(1_000_000).optional(),
  maxSizeGiB: z.number().min(0).max(1_000_000).optional(),
}).refine((r) => r.minSizeGiB === undefined || r.maxSizeGiB === undefined || r.minSizeGiB <= r.maxSizeGiB, {
  message: 'minSizeGiB must not be larger than maxSizeGiB', path: ['maxSizeGiB'],
});
/** Read-only, as the frozen configuration holds it. */
export type DiskRule = Readonly<Omit<z.output<typeof diskRuleSchema>, 'transport'>> & { readonly transport?: readonly Transport[] | undefined };

/**
 * A device path alone (the older form, read as `{ device: ... }`) or a rule. Not a union: a union
 * reports only "invalid input", where the rule's own schema names the field that is wrong.
 */
export const installDiskSchema = z.preprocess((v) => (typeof v === 'string' ? { device: v } : v), diskRuleSchema);

/** What a node type or a single node may override. */
export const diskOverrideSchema = z.strictObject({
  installDisk: installDiskSchema.optional(),
  wipe: z.enum(WIPE_POLICIES).optional(),
});
export interface DiskOverride {
  readonly installDisk?: DiskRule | undefined;
  readonly wipe?: WipePolicy | undefined;
}
