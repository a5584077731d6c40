/**
 * The nodes table view. Columns fit 80 characters: marker, row number, three MACs of 17, the node
 * type, and the comments taking what is left. Cells with a problem are red, a duplicated MAC is
 * yellow in every cell that holds it, the cursor's cell is inverse, and the management node's row
 * is marked `M` (found from this machine's MACs, as the agent will find it).
 */
import { NODES_CSV_COLUMNS } from '../../agent/inventory/nodes-csv.js';
import { normalizeMac } from '../../agent/lib/mac.js';
import { COLUMN_COUNT, isEmptyRow, isMacColumn, normalizeCellInput } from '../table-model.js';
import { cellKey, problemsAt } from '../table-validate.js';
import type { SessionState } from '../session-state.js';
import { fit, line, seg, type Segment } from './text.js';

const MAC_WIDTH = 17;
const TYPE_WIDTH = 9;
const LEAD = 5; // marker, row number (3), space

export function columnWidths(width: number): number[] {
  const comments = Math.max(8, width - LEAD - 3 * (MAC_WIDTH + 1) - (TYPE_WIDTH + 1) - 1);
  return [MAC_WIDTH, MAC_WIDTH, MAC_WIDTH, TYPE_WIDTH, comments];
}

const TITLES = ['Primary MAC', 'BMC MAC', 'Secondary MAC', 'Type', 'Comments'];

export function renderNodes(s: SessionState, width: number, height: number): string[] {
  const widths = columnWidths(width);
  const out: string[] = [line([seg(fit('', LEAD)), ...TITLES.map((t, i) => seg(fit(t, (widths[i] ?? 0) + 1), 'bold underline'))], width)];
  const visible = height - 2;
  const first = Math.max(0, Math.min(s.cursor.row - visible + 1, s.table.rows.length - visible));
  const v = s.validation;
  for (let r = first; r < Math.min(s.table.rows.length, first + visible); r++) {
    const row = s.table.rows[r];
    if (row === undefined) break;
    const isMgmt = v.managementRow === r;
    const isLocal = v.localRows.includes(r);
    const rowBad = problemsAt(v, r, undefined).length > 0;
    const marker = isMgmt ? seg('M', 'green-fg bold') : isLocal ? seg('M', 'red-fg bold') : seg(' ');
    const segs: Segment[] = [marker, seg(String(r + 1).padStart(3), rowBad ? 'red-fg' : undefined), seg(' ')];
    if (isEmptyRow(row) && !(s.cursor.row === r && s.edit !== undefined)) {
      const here = s.cursor.row === r;
      out.push(line([...segs, seg(fit('', 0)), seg(here ? '(empty row: type or scan, ^D removes it; not saved)' : '(empty row: not saved)', here ? 'inverse' : 'cyan-fg')], width));
      continue;
    }
    for (let c = 0; c < COLUMN_COUNT; c++) {
      const w = widths[c] ?? 0;
      const here = s.cursor.row === r && s.cursor.col === c;
      const editing = here && s.edit !== undefined;
      const text = editing ? `${s.edit?.buffer ?? ''}_` : row.cells[c] ?? '';
      const bad = problemsAt(v, r, c).length > 0;
      const dup = v.duplicates.has(cellKey(r, c));
      const shown = text === '' && bad ? '?' : text;
      // Keep the end of what is being typed in view.
      const cell = editing && [...shown].length > w ? `…${[...shown].slice(-(w - 1)).join('')}` : shown;
      let style = dup ? 'black-fg yellow-bg' : bad ? 'red-fg bold' : undefined;
      if (editing) style = 'black-fg cyan-bg';
      else if (here) style = bad || dup ? 'inverse red-fg' : 'inverse';
      segs.push(seg(fit(cell, w), style), seg(' '));
    }
    out.push(line(segs, width));
  }
  while (out.length < height - 1) out.push(line([], width));
  out.push(line(footer(s), width));
  return out;
}

function footer(s: SessionState): Segment[] {
  const v = s.validation;
  const n = s.table.rows.length;
  const mgmtRow = v.managementRow === undefined ? undefined : s.table.rows[v.managementRow];
  const pxe = mgmtRow === undefined ? undefined : s.ctx.interfaces.find((i) => i.mac === normalizeMac(mgmtRow.cells[2]))?.name;
  const mgmt = v.managementRow === undefined
    ? seg(v.localRows.length > 1 ? `management node: ${v.localRows.length} rows hold local MACs` : 'management node: no row holds a MAC of this machine', 'red-fg')
    : seg(`management node: row ${v.managementRow + 1}${pxe === undefined ? '' : ` (PXE ${pxe})`}`, 'green-fg');
  const problems = v.problems.length;
  return [seg(`${n} row${n === 1 ? '' : 's'}  `, 'bold'), mgmt, seg('  '),
    problems === 0 ? seg('no problems', 'green-fg') : seg(`${problems} problem${problems === 1 ? '' : 's'}`, 'red-fg bold')];
}

/** First status line on the nodes screen: the live check of what is being typed, or the cell's problem. */
export function cellStatus(s: SessionState): Segment[] {
  const { row, col } = s.cursor;
  const column = NODES_CSV_COLUMNS[col] ?? '';
  const where = seg(`row ${row + 1} ${column}: `, 'bold');
  if (s.table.rows.length === 0) return [seg('no rows yet: type or scan a MAC, or press ^N to add a row, ^O to import a CSV', 'cyan-fg')];
  if (s.edit !== undefined) {
    if (!isMacColumn(col)) return [where, seg('free text')];
    const value = normalizeCellInput(col, s.edit.buffer);
    if (s.edit.buffer.trim() === '') return [where, seg('type or scan a MAC (00:11:22:33:44:55, 00-11-…, or 12 hex digits)', 'cyan-fg')];
    return normalizeMac(value) !== undefined ? [where, seg(`✓ ${value}`, 'green-fg')]
      : [where, seg(`not a MAC address yet: six hex pairs like 00:11:22:33:44:55`, 'yellow-fg')];
  }
  const problems = [...problemsAt(s.validation, row, col), ...problemsAt(s.validation, row, undefined)];
  const p = problems[0];
  if (p !== undefined) return [where, seg(`✗ ${p.message}${p.hint === undefined ? '' : ` (${p.hint})`}`, 'red-fg bold')];
  const table = s.validation.problems.find((x) => x.row === undefined);
  if (table !== undefined) return [seg(`✗ ${table.message}`, 'red-fg')];
  return [where, seg('✓', 'green-fg')];
}
