/** How `racker inventory` draws what the nodes reported. Pure: records and the time in, text out. */
import type { NodeRecord } from '../state/records.js';
import type { NodeHardware } from '../inventory/hardware.js';
import type { BmcFacts } from '../inventory/bmc-facts.js';
import { serialMismatch } from '../inventory/serial-match.js';
import { ago } from './status-render.js';

const gib = (b: number): string => (b >= 1024 ** 4 ? `${(b / 1024 ** 4).toFixed(1)}T` : `${(b / 1024 ** 3).toFixed(b < 10 * 1024 ** 3 ? 1 : 0)}G`);

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

function diskCell(h: NodeHardware): string {
  return h.disks.map((d) => `${gib(d.sizeBytes)} ${d.transport ?? '?'}${d.filesystems.length > 0 ? ' (fs)' : ''}`).join(', ') || '-';
}

/** The BMC's serial, flagged when the server that booted as the node reports another. */
function bmcSerialCell(n: NodeRecord): string {
  if (n.bmcFacts?.serial === undefined) return '-';
  return serialMismatch(n.bmcFacts, n.hardware?.current) === undefined ? n.bmcFacts.serial : `${n.bmcFacts.serial} MISMATCH`;
}

const bmcModel = (f: BmcFacts | undefined): string | undefined => {
  const m = [f?.manufacturer, f?.model].filter((x) => x !== undefined).join(' ');
  return m === '' ? undefined : m;
};

/**
 * One row per node: model, serial (SMBIOS, and the BMC's), BIOS, CPUs, memory, disks, when
 * inspected, and whether the hardware changed. A node not inspected yet shows what its BMC said.
 */
export function renderInventoryTable(nodes: readonly NodeRecord[], now: Date): string {
  const rows = [['NODE', 'MODEL', 'SERIAL', 'BMC SERIAL', 'BIOS', 'CPUS', 'MEMORY', 'DISKS', 'INSPECTED']];
  for (const n of nodes) {
    const h = n.hardware?.current;
    const f = n.bmcFacts;
    if (h === undefined) {
      const model = n.isManagement ? '(management node)' : bmcModel(f) === undefined ? '(not inspected yet)' : `${bmcModel(f)} (BMC)`;
      rows.push([n.hostname, model, '-', bmcSerialCell(n), f?.biosVersion ?? '-',
        f?.processorCount === undefined ? '-' : String(f.processorCount), f?.memoryGiB === undefined ? '-' : `${f.memoryGiB}G`, '-', '-']);
      continue;
    }
    const changed = n.hardware?.history.at(-1);
    rows.push([
      n.hostname,
      [h.system.vendor, h.system.product].filter((x) => x !== undefined).join(' ') || '-',
      h.system.serial ?? '-',
      bmcSerialCell(n),
      h.system.biosVersion ?? f?.biosVersion ?? '-',
      `${h.cpu.count}${h.cpu.sockets > 1 ? ` (${h.cpu.sockets} sockets)` : ''}`,
      gib(h.memoryBytes),
      diskCell(h),
      `${ago(h.at, now)} ago${changed === undefined ? '' : `, CHANGED ${ago(changed.at, now)} ago`}`,
    ]);
  }
  return table(rows);
}

/** What the BMC said about the server, and a serial that is not the server's own. */
function bmcLines(n: NodeRecord, now: Date): string[] {
  const f = n.bmcFacts;
  if (f === undefined) return [];
  const out = [`  BMC says: ${bmcModel(f) ?? '-'}, serial ${f.serial ?? '-'}, part ${f.partNumber ?? '-'}${f.sku === undefined ? '' : `, SKU ${f.sku}`}, BIOS ${f.biosVersion ?? '-'}` +
    `${f.processorCount === undefined ? '' : `, ${f.processorCount} × ${f.processorModel ?? 'CPU'}`}${f.memoryGiB === undefined ? '' : `, ${f.memoryGiB} GiB`}` +
    `${f.boardSerial === undefined ? '' : `, board ${[f.boardManufacturer, f.boardProduct].filter((x) => x !== undefined).join(' ') || '-'} serial ${f.boardSerial}`} (${f.driver}, read ${ago(f.at, now)} ago)`];
  const m = serialMismatch(f, n.hardware?.current);
  if (m !== undefined) out.push(`  WARNING: ${m.message}`);
  return out;
}

/** Everything one node reported, and its hardware history. */
export function renderInventoryNode(n: NodeRecord, now: Date): string {
  const h = n.hardware?.current;
  const out = [`${n.hostname} (${n.mac})`];
  if (h === undefined) {
    out.push('  not inspected yet: its next install boot reports its hardware (racker bootstrap --node NODE --reprovision)');
    out.push(...bmcLines(n, now));
    return out.join('\n');
  }
  const s = h.system;
  out.push(`  inspected: ${h.at} (${ago(h.at, now)} ago)`);
  out.push(`  system:    ${[s.vendor, s.product].filter((x) => x !== undefined).join(' ') || '-'}, serial ${s.serial ?? '-'}, UUID ${s.uuid ?? '-'}, BIOS ${s.biosVersion ?? '-'}`);
  out.push(...bmcLines(n, now));
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
