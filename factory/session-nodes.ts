/**
 * Keys on the nodes table: moving, editing cells (typing starts an edit, as in a spreadsheet, so a
 * barcode scanner's "MAC + Enter" fills a cell and moves on), adding, deleting and reordering
 * rows. Enter in the last cell of the last row adds a row, so a rack can be scanned in one go.
 */
import { COLUMN_COUNT, addRow, getCell, moveRow, setCell } from './table-model.js';
import { clampCursor, commitEdit, typed, withTable, type Key, type SessionState } from './session-state.js';

export function nodesKey(s: SessionState, key: Key): SessionState {
  return s.edit === undefined ? navigate(s, key) : editing(s, s.edit.buffer, key);
}

function editing(s: SessionState, buffer: string, key: Key): SessionState {
  const ch = typed(key);
  if (ch !== undefined) return { ...s, edit: { buffer: buffer + ch } };
  switch (key.full) {
    case 'backspace': return { ...s, edit: { buffer: buffer.slice(0, -1) } };
    case 'C-u': return { ...s, edit: { buffer: '' } };
    case 'escape': return { ...s, edit: undefined, status: { tone: 'info', text: 'edit cancelled' } };
    case 'enter': case 'tab': return advance(commitEdit(s));
    case 'S-tab': return go(commitEdit(s), 0, -1);
    case 'up': return go(commitEdit(s), -1, 0);
    case 'down': return go(commitEdit(s), 1, 0);
    default: return s;
  }
}

function navigate(s: SessionState, key: Key): SessionState {
  const ch = typed(key);
  const rows = s.table.rows.length;
  if (ch !== undefined) {
    if (rows === 0) return { ...added(s, -1), edit: { buffer: ch } };
    return { ...s, edit: { buffer: ch }, status: undefined };
  }
  switch (key.full) {
    case 'up': return go(s, -1, 0);
    case 'down': return go(s, 1, 0);
    case 'left': case 'S-tab': return go(s, 0, -1);
    case 'right': case 'tab': return go(s, 0, 1);
    case 'home': return { ...s, cursor: { ...s.cursor, col: 0 } };
    case 'end': return { ...s, cursor: { ...s.cursor, col: COLUMN_COUNT - 1 } };
    case 'pageup': return go(s, -10, 0);
    case 'pagedown': return go(s, 10, 0);
    case 'enter':
      if (rows === 0) return added(s, -1);
      return { ...s, edit: { buffer: getCell(s.table, s.cursor.row, s.cursor.col) }, status: undefined };
    case 'delete': case 'backspace':
      return rows === 0 ? s : withTable(s, setCell(s.table, s.cursor.row, s.cursor.col, ''));
    case 'C-n': case 'insert': return added(s, rows === 0 ? -1 : s.cursor.row);
    case 'C-d':
      return rows === 0 ? s : { ...s, modal: { kind: 'delete', row: s.cursor.row } };
    case 'S-up': case 'C-up': case 'M-up': return moved(s, -1);
    case 'S-down': case 'C-down': case 'M-down': return moved(s, 1);
    default: return s;
  }
}

function go(s: SessionState, dRow: number, dCol: number): SessionState {
  let { row, col } = s.cursor;
  col += dCol;
  if (col >= COLUMN_COUNT && row < s.table.rows.length - 1) [row, col] = [row + 1, 0];
  if (col < 0 && row > 0) [row, col] = [row - 1, COLUMN_COUNT - 1];
  return { ...s, cursor: clampCursor(s.table, { row: row + dRow, col }), status: undefined };
}

/** After Enter in a cell: the next cell; after the last cell of the last row, a new row. */
function advance(s: SessionState): SessionState {
  const last = s.cursor.row === s.table.rows.length - 1 && s.cursor.col === COLUMN_COUNT - 1;
  return last ? added(s, s.cursor.row) : go(s, 0, 1);
}

function added(s: SessionState, after: number): SessionState {
  const r = addRow(s.table, after);
  return { ...withTable(s, r.table, { row: r.index, col: 0 }), status: { tone: 'info', text: `row ${r.index + 1} added` } };
}

function moved(s: SessionState, delta: number): SessionState {
  const r = moveRow(s.table, s.cursor.row, delta);
  return withTable(s, r.table, { row: r.index, col: s.cursor.col });
}
