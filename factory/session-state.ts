/**
 * The factory editor's state and the small steps on it that both the key handlers (session.ts) and
 * the nodes table's keys (session-nodes.ts) take; here so that neither imports the other.
 */
import type { CredentialsInput } from './credentials-input.js';
import type { DiscoverySnapshot } from './discovery.js';
import { COLUMN_COUNT, setCell, type Table } from './table-model.js';
import { validateTable, type TableValidation, type ValidationContext } from './table-validate.js';
import type { SaveResult } from './save.js';

export type Screen = 'credentials' | 'nodes' | 'summary';

export type Modal =
  | { kind: 'quit' }
  | { kind: 'delete'; row: number }
  | { kind: 'import'; path: string }
  | { kind: 'discovery'; selected: number };

export type Effect = { kind: 'quit' } | { kind: 'save' } | { kind: 'import'; path: string } | { kind: 'discover' };

export interface Status {
  text: string;
  tone: 'info' | 'error' | 'ok';
}

export interface SessionState {
  readonly screen: Screen;
  readonly creds: CredentialsInput;
  readonly credField: 0 | 1 | 2;
  readonly table: Table;
  readonly cursor: { readonly row: number; readonly col: number };
  /** The text being typed into the cursor's cell, when editing. */
  readonly edit: { readonly buffer: string } | undefined;
  readonly modal: Modal | undefined;
  readonly discovery: DiscoverySnapshot | 'loading' | undefined;
  readonly status: Status | undefined;
  readonly validation: TableValidation;
  readonly ctx: ValidationContext;
  /** What is on disk, to tell whether there are unsaved changes. */
  readonly saved: { readonly table: Table; readonly creds: CredentialsInput };
  readonly lastSave: SaveResult | undefined;
  /** Where the files go, for the summary. */
  readonly oemDir: string;
}

/** A key as blessed reports it: `full` like `C-s`, `S-up`, `a`; `ch` the character typed, if any. */
export interface Key {
  full: string;
  ch?: string | undefined;
}

export interface Step {
  state: SessionState;
  effects: Effect[];
}

/** A printable character typed (not a control key). */
export function typed(key: Key): string | undefined {
  const ch = key.ch;
  if (ch === undefined || ch.length !== 1 || key.full.startsWith('C-') || key.full.startsWith('M-')) return undefined;
  return ch >= ' ' && ch !== '\x7f' ? ch : undefined;
}

/** Replace the table, revalidating and keeping the cursor inside it. */
export function withTable(s: SessionState, table: Table, cursor = s.cursor): SessionState {
  return { ...s, table, validation: validateTable(table, s.ctx), cursor: clampCursor(table, cursor) };
}

export function clampCursor(table: Table, c: { row: number; col: number }): { row: number; col: number } {
  return { row: Math.max(0, Math.min(c.row, table.rows.length - 1)), col: Math.max(0, Math.min(c.col, COLUMN_COUNT - 1)) };
}

/** Finish an edit: the typed text goes into the cell (normalised). */
export function commitEdit(s: SessionState): SessionState {
  if (s.edit === undefined) return s;
  return { ...withTable(s, setCell(s.table, s.cursor.row, s.cursor.col, s.edit.buffer)), edit: undefined };
}
