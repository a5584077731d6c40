/**
 * The nodes table the factory TUI edits: rows of five text cells in nodes.csv's column order.
 * Pure and immutable: every operation returns a new table, so the TUI can compare, undo and test
 * without I/O. Cells hold what the technician typed; MAC cells are normalised on entry (any case,
 * `-` or `:` separators, or 12 bare hex digits as barcode labels print them) so what is saved is
 * what `factory check` and the agent compare against /sys/class/net.
 */
import { parse } from 'csv-parse/sync';
import { NODES_CSV_COLUMNS, formatNodesCsv } from '../agent/inventory/nodes-csv.js';
import { looksLikeMac, normalizeMac, type Mac } from '../agent/lib/mac.js';
import { errorMessage } from '../agent/lib/errors.js';

export const COLUMN_COUNT = NODES_CSV_COLUMNS.length;
/** Columns 0–2 hold MACs; 3 is the node type, 4 the comments. */
export const MAC_COLUMNS: readonly number[] = [0, 1, 2];
export const isMacColumn = (col: number): boolean => MAC_COLUMNS.includes(col);

export type Cells = readonly [string, string, string, string, string];

export interface TableRow {
  /** Stable identity across reorders (for the cursor and highlighting), never shown. */
  readonly id: number;
  readonly cells: Cells;
}

export interface Table {
  readonly rows: readonly TableRow[];
  readonly nextId: number;
}

export const EMPTY_CELLS: Cells = ['', '', '', '', ''];

export function emptyTable(): Table {
  return { rows: [], nextId: 1 };
}

export function tableFromCells(cells: readonly Cells[]): Table {
  return { rows: cells.map((c, i) => ({ id: i + 1, cells: c })), nextId: cells.length + 1 };
}

/**
 * What a typed or scanned value becomes. MAC columns: a valid MAC in any accepted form becomes
 * `aa:bb:cc:dd:ee:ff`; anything else is kept as typed so the error can point at it. Text columns:
 * trimmed, line breaks flattened (nodes.csv has one row per line).
 */
export function normalizeCellInput(col: number, text: string): string {
  const t = text.replace(/[\r\n\t]+/g, ' ').trim();
  if (!isMacColumn(col)) return t;
  const bare = /^[0-9a-f]{12}$/i.test(t) ? t.match(/../g)?.join(':') ?? t : t;
  return normalizeMac(bare) ?? t;
}

/** Insert an empty row after `after` (-1: at the top; default: at the end). Returns the table and the new row's index. */
export function addRow(table: Table, after = table.rows.length - 1, cells: Cells = EMPTY_CELLS): { table: Table; index: number } {
  const index = Math.max(0, Math.min(after + 1, table.rows.length));
  const rows = [...table.rows];
  rows.splice(index, 0, { id: table.nextId, cells });
  return { table: { rows, nextId: table.nextId + 1 }, index };
}

export function deleteRow(table: Table, index: number): Table {
  if (index < 0 || index >= table.rows.length) return table;
  return { ...table, rows: table.rows.filter((_, i) => i !== index) };
}

/** Move a row up (delta -1) or down (+1); returns the table and the row's new index. */
export function moveRow(table: Table, index: number, delta: number): { table: Table; index: number } {
  const to = index + delta;
  if (index < 0 || index >= table.rows.length || to < 0 || to >= table.rows.length) return { table, index };
  const rows = [...table.rows];
  const [row] = rows.splice(index, 1);
  rows.splice(to, 0, row as TableRow);
  return { table: { ...table, rows }, index: to };
}

export function setCell(table: Table, index: number, col: number, text: string): Table {
  const row = table.rows[index];
  if (row === undefined || col < 0 || col >= COLUMN_COUNT) return table;
  const cells = [...row.cells] as [string, string, string, string, string];
  cells[col] = normalizeCellInput(col, text);
  const rows = [...table.rows];
  rows[index] = { id: row.id, cells };
  return { ...table, rows };
}

export function getCell(table: Table, index: number, col: number): string {
  return table.rows[index]?.cells[col] ?? '';
}

/** A row with nothing typed in it: not saved, not validated (an Enter at the end of a scan adds one). */
export const isEmptyRow = (row: TableRow): boolean => row.cells.every((c) => c === '');

/** The canonical nodes.csv text for the table (header included, empty rows left out), via the inventory's own writer. */
export function tableToCsv(table: Table): string {
  const records = table.rows.filter((r) => !isEmptyRow(r)).map(({ cells: [primaryMac, bmcMac, secondaryMac, nodeType, comments] }) =>
    ({ primaryMac: primaryMac as Mac, bmcMac: bmcMac as Mac, secondaryMac: secondaryMac as Mac, nodeType, comments }));
  return formatNodesCsv(records);
}

export interface ImportResult {
  table: Table | undefined;
  /** Why the text could not be imported at all (the table is then undefined). */
  error: string | undefined;
  /** Things the import adjusted, for the status line (e.g. padded or merged columns). */
  notes: string[];
}

/**
 * Read a spreadsheet export (or an existing nodes.csv) into a table, keeping rows that have
 * problems so they can be fixed in the table rather than lost. A first row without MACs is taken
 * as the header and skipped. Short rows are padded; columns beyond the fifth are merged into the
 * comments, so nothing the technician had is dropped silently.
 */
export function importCsv(content: string | Buffer): ImportResult {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { table: undefined, error: 'not UTF-8 text; export the spreadsheet as CSV (UTF-8)', notes: [] };
  }
  if (text.includes('\0')) return { table: undefined, error: 'binary content (NUL bytes); export the spreadsheet as CSV', notes: [] };
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let records: string[][];
  try {
    const out: unknown = parse(text, { trim: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: '\n' });
    records = out as string[][];
  } catch (e) {
    return { table: undefined, error: `not valid CSV: ${errorMessage(e).replace(/^[^:]*: /, '')}`, notes: [] };
  }
  const notes: string[] = [];
  const first = records[0];
  if (first !== undefined && !first.some(looksLikeMac)) records = records.slice(1);
  const cells = records.map((r, i): Cells => {
    if (r.length > COLUMN_COUNT) {
      notes.push(`row ${i + 1}: ${r.length} columns; columns after the fifth were added to the comments`);
      r = [...r.slice(0, COLUMN_COUNT - 1), r.slice(COLUMN_COUNT - 1).filter((s) => s !== '').join('; ')];
    } else if (r.length < COLUMN_COUNT) {
      notes.push(`row ${i + 1}: ${r.length} column${r.length === 1 ? '' : 's'}; the missing ones were left empty`);
    }
    return [0, 1, 2, 3, 4].map((c) => normalizeCellInput(c, r[c] ?? '')) as unknown as Cells;
  });
  return { table: tableFromCells(cells), error: undefined, notes };
}

/** Whether two tables hold the same content (ignoring row identities). */
export function sameContent(a: Table, b: Table): boolean {
  return a.rows.length === b.rows.length && a.rows.every((r, i) => r.cells.join('\0') === b.rows[i]?.cells.join('\0'));
}
