/** How `racker inventory` draws what the nodes reported. Pure: records and the time in, text out. */
import type { NodeRecord } from '../state/records.js';
import type { NodeHardware } from '../inventory/hardware.js';
import { ago } from './status-render.js';

const gib = (b: number): string => (b >= 1024 ** 4 ? `${(b / 1024 ** 4).toFixed(1)}T` : `${(b / 1024 ** 3).toFixed(b < 10 * 1024 ** 3 ? 1 : 0)}G`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

function diskCell(h: NodeHardware): string {
  return h.disks.map((d) => `${gib(d.sizeBytes)} ${d.transport ?? '?'}${d.filesystems.length > 0 ? ' (fs)' : ''}`).join(', ') || '-';
}

/** One row per node: model, serial, CPUs, memory, disks, when inspected, and whether the hardware changed. */
export function renderInventoryTable(nodes: readonly NodeRecord[], now: Date): string {
  const rows = [['NODE', 'MODEL', 'SERIAL', 'CPUS', 'MEMORY', 'DISKS', 'INSPECTED']];
  for (const n of nodes) {
    const h = n.hardware?.current;
    if (h === undefined) {
      rows.push([n.hostname, n.isManagement ? '(management node)' : '(not inspected yet)', '-', '-', '-', '-', '-']);
      continue;
    }
    const changed = n.hardware?.history.at(-1);
    rows.push([
      n.hostname,
      [h.system.vendor, h.system.product].filter((x) => x !== undefined).join(' ') || '-',
      h.system.serial ?? '-',
      `${h.cpu.count}${h.cpu.sockets > 1 ? ` (${h.cpu.sockets} sockets)` : ''}`,
      gib(h.memoryBytes),
      diskCell(h),
      `${ago(h.at, now)} ago${changed === undefined ? '' : `, CHANGED ${ago(changed.at, now)} ago`}`,
    ]);
  }
  return table(rows);
}

/** Everything one node reported, and its hardware history. */
export function renderInventoryNode(n: NodeRecord, now: Date): string {
  const h = n.hardware?.current;
  const out = [`${n.hostname} (${n.mac})`];
  if (h === undefined) {
    out.push('  not inspected yet: its next install boot reports its hardware (racker bootstrap --node NODE --reprovision)');
    return out.join('\n');
  }
  const s = h.system;
  out.push(`  inspected: ${h.at} (${ago(h.at, now)} ago)`);
  out.push(`  system:    ${[s.vendor, s.product].filter((x) => x !== undefined).join(' ') || '-'}, serial ${s.serial ?? '-'}, UUID ${s.uuid ?? '-'}, BIOS ${s.biosVersion ?? '-'}`);
  out.push(`  CPUs:      ${h.cpu.count} × ${h.cpu.model ?? '?'}, ${h.cpu.sockets} socket${h.cpu.sockets === 1 ? '' : 's'}`);
  out.push(`  memory:    ${(h.memoryBytes / 1024 ** 3).toFixed(1)} GiB`);
  out.push('  NICs:');
  for (const nic of h.nics) out.push(`    ${nic.name.padEnd(10)} ${nic.mac}  ${(nic.driver ?? '-').padEnd(12)} ${nic.speedMbps === null || nic.speedMbps < 0 ? 'no link' : `${nic.speedMbps} Mb/s`}`);
  out.push('  disks:');
  const rows = [['DEVICE', 'SIZE', 'TRAN', 'ROT', 'RM', 'MODEL', 'SERIAL', 'WWN', 'FILE SYSTEMS']];
  for (const d of h.disks) rows.push([d.path, gib(d.sizeBytes), d.transport ?? '-', d.rotational ? 'yes' : 'no', d.removable ? 'yes' : 'no', d.model ?? '-', d.serial ?? '-', d.wwn ?? '-', d.filesystems.join(', ') || '-']);
  out.push(...table(rows).split('\n').map((l) => `    ${l}`));
  const history = n.hardware?.history ?? [];
  if (history.length > 0) {
    out.push('  hardware changes:');
    for (const c of history) out.push(`    ${c.at.replace('T', ' ').slice(0, 19)}  ${c.changes.join('; ')}`);
  }
  return out.join('\n');
}
