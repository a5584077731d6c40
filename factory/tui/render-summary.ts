/** The summary before saving: what will be written where, and every problem still in the way. */
import { oemFiles } from '../../agent/config/paths.js';
import { NODES_CSV_COLUMNS } from '../../agent/inventory/nodes-csv.js';
import { validateCredentials } from '../credentials-input.js';
import { passwordStrength } from '../password-strength.js';
import type { SessionState } from '../session-state.js';
import { line, seg, wrapText } from './text.js';
import { basename } from 'node:path';
import { isEmptyRow } from '../table-model.js';

export function renderSummary(s: SessionState, width: number, height: number): string[] {
  const files = oemFiles(s.oemDir);
  const v = s.validation;
  const rows = s.table.rows.filter((r) => !isEmptyRow(r));
  const types = new Map<string, number>();
  s.table.rows.forEach((r, i) => {
    if (i !== v.managementRow && !isEmptyRow(r)) types.set(r.cells[3], (types.get(r.cells[3]) ?? 0) + 1);
  });
  const typeText = [...types].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${t === '' ? '(no type)' : t} ×${n}`).join(', ') || 'none';
  const kv = (k: string, value: string, style?: string): string => line([seg(`   ${k.padEnd(18)}`, 'bold'), seg(value, style)], width);
  const out = [
    line([seg(' Summary before saving', 'bold underline')], width),
    kv('Nodes', `${rows.length} row${rows.length === 1 ? '' : 's'}: ${Math.max(0, rows.length - (v.managementRow === undefined ? 0 : 1))} to provision, ` +
      (v.managementRow === undefined ? 'no management node found' : `management node in row ${v.managementRow + 1}`)),
    kv('Node types', typeText),
    kv('BMC user', s.creds.user === '' ? '(none)' : s.creds.user),
    kv('BMC password', s.creds.password === '' ? '(none)' : `set, ${[...s.creds.password].length} characters (${passwordStrength(s.creds.password).strength})`),
    kv('Writes to', s.oemDir),
    kv('', `${basename(files.nodesCsv)} (0644), ${basename(files.ipmiUser)} and ${basename(files.ipmiPassword)} (0600)`),
    kv('Backups', 'previous versions kept as <file>.<time>.bak'),
    kv('Then', 'asks the racker agent to reload, if it is running'),
    line([], width),
  ];
  const problems = [
    ...validateCredentials(s.creds).map((p) => `credentials ${p.field}: ${p.message}`),
    ...v.problems.map((p) => `${p.row === undefined ? 'table' : `row ${p.row + 1}`}${p.col === undefined ? '' : ` ${NODES_CSV_COLUMNS[p.col] ?? ''}`}: ${p.message}`),
  ];
  if (s.lastSave !== undefined && problems.length === 0) {
    const r = s.lastSave;
    out.push(line([seg(' Last save', 'bold')], width));
    for (const f of r.written) out.push(line([seg(`   ✓ wrote ${f}`, 'green-fg')], width));
    for (const f of r.backups) out.push(line([seg(`   backup ${f}`)], width));
    if (r.written.length === 0) out.push(line([seg('   nothing changed on disk')], width));
  } else if (problems.length === 0) {
    out.push(line([seg(' No problems. Press Enter to save.', 'green-fg bold')], width));
  } else {
    out.push(line([seg(` ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before saving:`, 'red-fg bold')], width));
    let shown = 0;
    for (const p of problems) {
      const wrapped = wrapText(`✗ ${p}`, width - 5, 2);
      if (out.length + wrapped.length > height - 1) break;
      wrapped.forEach((t, i) => out.push(line([seg(`${i === 0 ? '   ' : '     '}${t}`, 'red-fg')], width)));
      shown++;
    }
    if (shown < problems.length) out.push(line([seg(`   … and ${problems.length - shown} more`, 'red-fg')], width));
  }
  while (out.length < height) out.push(line([], width));
  return out.slice(0, height);
}
