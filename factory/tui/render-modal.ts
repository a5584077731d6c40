/** Dialogs drawn over the body: leave without saving, delete a row, import a CSV, the discovery panel. */
import type { SessionState } from '../session-state.js';
import type { DiscoveredMac } from '../discovery.js';
import { NODES_CSV_COLUMNS } from '../../agent/inventory/nodes-csv.js';
import { normalizeMac } from '../../agent/lib/mac.js';
import { fit, line, seg, type Segment } from './text.js';

export function overlayModal(s: SessionState, body: string[], width: number): string[] {
  const m = s.modal;
  if (m === undefined) return body;
  if (m.kind === 'discovery') return discoveryPanel(s, m.selected, body, width);
  const text = m.kind === 'quit' ? ['There are unsaved changes.', 'Leave without saving them? (y/n)']
    : m.kind === 'delete' ? [`Delete row ${m.row + 1} (${s.table.rows[m.row]?.cells[0] || 'empty'})? (y/n)`]
      : [`Import a CSV file (replaces the ${s.table.rows.length} row${s.table.rows.length === 1 ? '' : 's'} of the table).`, `Path: ${m.path}_`];
  const inner = Math.min(width - 4, Math.max(...text.map((t) => t.length)) + 4);
  const box = [`┌${'─'.repeat(inner)}┐`, ...text.map((t) => `│  ${fit(t, inner - 2)}│`), `└${'─'.repeat(inner)}┘`];
  const top = Math.max(1, Math.floor((body.length - box.length) / 2));
  const out = [...body];
  box.forEach((b, i) => {
    out[top + i] = line([seg(' '.repeat(Math.floor((width - inner - 2) / 2))), seg(b, 'bold')], width);
  });
  return out;
}

function discoveryPanel(s: SessionState, selected: number, body: string[], width: number): string[] {
  const height = Math.min(12, body.length - 2);
  const d = s.discovery;
  const inTable = new Map<string, string>();
  s.table.rows.forEach((r, i) => r.cells.slice(0, 3).forEach((c, col) => {
    const mac = normalizeMac(c);
    if (mac !== undefined) inTable.set(mac, `row ${i + 1} ${NODES_CSV_COLUMNS[col]?.replace(' address', '') ?? ''}`);
  }));
  const target = s.cursor.col <= 2 ? NODES_CSV_COLUMNS[s.cursor.col] : 'first empty MAC';
  const title = `─ Discovered on the internal network ─ Enter puts it into row ${s.cursor.row + 1} ${target ?? ''} `;
  const lines: Segment[][] = [[seg(fit(title, width).replace(/ +$/, (sp) => '─'.repeat(sp.length)), 'bold')]];
  if (d === undefined || d === 'loading') lines.push([seg(' asking the agent…', 'cyan-fg')]);
  else if (!d.available) lines.push([seg(` ${d.message}`, 'yellow-fg')], [seg(' (turn on dhcp.discovery and start the agent to see new DHCP clients here)')]);
  else {
    lines.push([seg(` source: ${d.source}; ${d.macs.length} MAC${d.macs.length === 1 ? '' : 's'}`)]);
    const room = height - lines.length;
    const first = Math.max(0, Math.min(selected - room + 1, d.macs.length - room));
    d.macs.slice(first, first + room).forEach((m, i) => lines.push(item(m, first + i === selected, inTable.get(m.mac))));
  }
  const out = body.slice(0, body.length - height);
  for (let i = 0; i < height; i++) out.push(line(lines[i] ?? [], width));
  return out;
}

function item(m: DiscoveredMac, selected: boolean, where: string | undefined): Segment[] {
  const text = ` ${m.mac}  ${fit(m.ip ?? '', 15)}  ${fit(m.vendor ?? 'unknown vendor', 17)} ${fit(m.kind ?? '', 4)} ${where === undefined ? 'new' : `in ${where}`}`;
  return [seg(selected ? `>${text}` : ` ${text}`, selected ? 'inverse' : where === undefined ? 'bold' : undefined)];
}
