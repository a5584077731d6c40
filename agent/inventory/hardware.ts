/**
 * A server's hardware as its install boot reports it (bootstrap/ignition/inventory.ts sends it with
 * the phone-home status `inventory`): DMI strings, CPUs, memory, NICs and `lsblk -J -b` output.
 * The wire schema is checked here, bounded in every list and string, then reduced to the stored
 * form (`NodeHardware`) that the state keeps, `racker inventory` shows and two inspections are
 * compared in (`hardwareChanges`).
 */
import { z } from 'zod';

const text = (max = 128) => z.string().max(max).transform((s) => s.replace(/[^\x20-\x7e]/g, '').trim());
const optText = (max = 128) => z.union([text(max), z.null()]).optional().transform((s) => (s === null || s === '' ? undefined : s));
const count = z.number().int().min(0).max(1_000_000);
/** lsblk prints booleans as true/false (2.37+) or "0"/"1" (older); sizes as numbers with -b (strings in some versions). */
const flag = z.union([z.boolean(), z.enum(['0', '1']), z.null()]).optional().transform((b) => b === true || b === '1');
const bytes = z.union([z.number().int().min(0), z.string().regex(/^\d{1,20}$/).transform(Number), z.null()]).optional().transform((n) => n ?? 0);

interface LsblkDevice {
  name: string;
  path?: string | undefined;
  type: string;
  size: number;
  rm: boolean;
  ro: boolean;
  rota: boolean;
  tran?: string | undefined;
  model?: string | undefined;
  serial?: string | undefined;
  wwn?: string | undefined;
  fstype?: string | undefined;
  children?: LsblkDevice[] | undefined;
}

const lsblkDevice: z.ZodType<LsblkDevice, unknown> = z.lazy(() => z.object({
  name: text(64),
  path: optText(96),
  type: text(16),
  size: bytes,
  rm: flag,
  ro: flag,
  rota: flag,
  tran: optText(16),
  model: optText(),
  serial: optText(),
  wwn: optText(64),
  fstype: optText(32),
  children: z.array(lsblkDevice).max(128).optional(),
}));

/** What the node sends under `inventory` (the phone-home body's other fields are phone-home.ts's). */
export const hardwareReportSchema = z.strictObject({
  system: z.strictObject({
    vendor: optText(), product: optText(), serial: optText(), uuid: optText(64),
    boardVendor: optText(), boardProduct: optText(), boardSerial: optText(),
    biosVendor: optText(), biosVersion: optText(), biosDate: optText(32),
  }),
  cpu: z.strictObject({ model: optText(), count, sockets: count }),
  memoryBytes: z.number().int().min(0).max(2 ** 53),
  nics: z.array(z.strictObject({ name: text(32), mac: text(32), driver: optText(64), speedMbps: z.number().int().min(-1).max(10_000_000).nullable() })).max(64),
  disks: z.object({ blockdevices: z.array(lsblkDevice).max(256) }),
});
export type HardwareReport = z.output<typeof hardwareReportSchema>;

const diskSchema = z.object({
  path: z.string(),
  sizeBytes: z.number(),
  transport: z.string().optional(),
  rotational: z.boolean(),
  removable: z.boolean(),
  model: z.string().optional(),
  serial: z.string().optional(),
  wwn: z.string().optional(),
  /** File systems on the disk or its partitions, e.g. ["sdb1 ext4"]. */
  filesystems: z.array(z.string()),
});
export type HardwareDisk = z.infer<typeof diskSchema>;

/** The stored form: what an operator looks at and what two inspections are compared on. */
export const nodeHardwareSchema = z.object({
  at: z.string(),
  system: z.object({ vendor: z.string().optional(), product: z.string().optional(), serial: z.string().optional(), uuid: z.string().optional(), biosVersion: z.string().optional() }),
  cpu: z.object({ model: z.string().optional(), count: z.number(), sockets: z.number() }),
  memoryBytes: z.number(),
  nics: z.array(z.object({ name: z.string(), mac: z.string(), driver: z.string().optional(), speedMbps: z.number().nullable() })),
  disks: z.array(diskSchema),
});
export type NodeHardware = z.infer<typeof nodeHardwareSchema>;

/** Whole disks only (no partitions, ROMs, zram or loop devices), with what their children hold. */
export function toNodeHardware(r: HardwareReport, at: string): NodeHardware {
  const disks: HardwareDisk[] = [];
  const signatures = (d: LsblkDevice, out: string[]): string[] => {
    if (d.fstype !== undefined) out.push(`${d.name.replace(/^\/dev\//, '')} ${d.fstype}`);
    for (const c of d.children ?? []) signatures(c, out);
    return out;
  };
  for (const d of r.disks.blockdevices) {
    if (d.type !== 'disk' || /^(zram|ram|loop|nbd)/.test(d.name.replace(/^\/dev\//, '')) || d.size === 0) continue;
    disks.push({
      path: d.path ?? (d.name.startsWith('/dev/') ? d.name : `/dev/${d.name}`),
      sizeBytes: d.size,
      // As the node's disk selection does: lsblk before 2.39 names no transport for virtio disks.
      ...(d.tran === undefined ? /^(\/dev\/)?vd/.test(d.name) ? { transport: 'virtio' } : {} : { transport: d.tran }),
      rotational: d.rota,
      removable: d.rm,
      ...(d.model === undefined ? {} : { model: d.model }),
      ...(d.serial === undefined ? {} : { serial: d.serial }),
      ...(d.wwn === undefined ? {} : { wwn: d.wwn }),
      filesystems: signatures(d, []),
    });
  }
  const s = r.system;
  return {
    at,
    system: Object.fromEntries(Object.entries({ vendor: s.vendor, product: s.product, serial: s.serial, uuid: s.uuid, biosVersion: s.biosVersion }).filter(([, v]) => v !== undefined)),
    cpu: { ...(r.cpu.model === undefined ? {} : { model: r.cpu.model }), count: r.cpu.count, sockets: r.cpu.sockets },
    memoryBytes: r.memoryBytes,
    nics: r.nics.map((n) => ({ name: n.name, mac: n.mac.toLowerCase(), ...(n.driver === undefined ? {} : { driver: n.driver }), speedMbps: n.speedMbps })),
    disks,
  };
}

const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(1)} GiB`;


/**
 * What changed between two inspections, in words: hardware swapped, added or removed. File systems
 * and link speeds are not hardware changes (an install writes the one, a cable the other).
 */
export function hardwareChanges(before: NodeHardware, after: NodeHardware): string[] {
  const out: string[] = [];
  for (const k of ['vendor', 'product', 'serial', 'uuid'] as const) {
    if (before.system[k] !== after.system[k]) out.push(`system ${k} ${before.system[k] ?? '-'} → ${after.system[k] ?? '-'}`);
  }
  if (before.cpu.model !== after.cpu.model || before.cpu.count !== after.cpu.count) out.push(`CPUs ${before.cpu.count}× ${before.cpu.model ?? '?'} → ${after.cpu.count}× ${after.cpu.model ?? '?'}`);
  // DIMMs are reported in whole MiB, minus what firmware keeps: a change under 1% is the same memory.
  if (Math.abs(before.memoryBytes - after.memoryBytes) > before.memoryBytes / 100) out.push(`memory ${gib(before.memoryBytes)} → ${gib(after.memoryBytes)}`);
  const macs = (h: NodeHardware) => new Set(h.nics.map((n) => n.mac));
  for (const m of macs(before)) if (!macs(after).has(m)) out.push(`NIC ${m} gone`);
  for (const m of macs(after)) if (!macs(before).has(m)) out.push(`NIC ${m} new`);
  // Disks are identified by serial (or WWN) where they have one: a device name can move.
  const id = (d: HardwareDisk) => d.serial ?? d.wwn ?? `${d.path} ${d.sizeBytes}`;
  const desc = (d: HardwareDisk) => `${d.path} (${gib(d.sizeBytes)}${d.serial === undefined ? '' : `, serial ${d.serial}`})`;
  const ids = (h: NodeHardware) => new Map(h.disks.map((d) => [id(d), d]));
  const a = ids(before);
  const b = ids(after);
  for (const [k, d] of a) if (!b.has(k)) out.push(`disk ${desc(d)} gone`);
  for (const [k, d] of b) if (!a.has(k)) out.push(`disk ${desc(d)} new`);
  return out;
}
