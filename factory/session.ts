/**
 * The factory editor's state and what each key does to it, free of blessed and of I/O: a key
 * gives a new state plus effects (save, import, discover, quit) that the TUI runs, feeding their
 * results back through the `after…` functions. So every behaviour of the editor is testable by
 * value, and the blessed layer (tui/) only draws and forwards keys.
 */
import type { CredentialsInput } from './credentials-input.js';
import { validateCredentials } from './credentials-input.js';
import type { DiscoverySnapshot } from './discovery.js';
import { sameContent, type Table } from './table-model.js';
import { validateTable, type ValidationContext } from './table-validate.js';
import type { ImportResult } from './table-model.js';
import type { SaveResult } from './save.js';
import { describeReload } from './agent-client.js';
import { nodesKey } from './session-nodes.js';
import { commitEdit, typed, withTable, type Key, type Modal, type SessionState, type Status, type Step } from './session-state.js';

export function initialState(init: { table: Table; creds: CredentialsInput; ctx: ValidationContext; oemDir: string; status?: Status }): SessionState {
  const credsMissing = validateCredentials(init.creds).length > 0;
  return {
    screen: credsMissing ? 'credentials' : 'nodes',
    creds: init.creds,
    credField: 0,
    table: init.table,
    cursor: { row: 0, col: 0 },
    edit: undefined,
    modal: undefined,
    discovery: undefined,
    status: init.status,
    validation: validateTable(init.table, init.ctx),
    ctx: init.ctx,
    saved: { table: init.table, creds: init.creds },
    lastSave: undefined,
    oemDir: init.oemDir,
  };
}

export const isDirty = (s: SessionState): boolean =>
  !sameContent(s.table, s.saved.table) || s.creds.user !== s.saved.creds.user || s.creds.password !== s.saved.creds.password;

const GLOBAL_KEYS = new Set(['f2', 'f3', 'f4', 'C-r', 'C-o', 'C-s', 'f10', 'C-c']);

export function reduce(s: SessionState, key: Key): Step {
  const none = (state: SessionState): Step => ({ state, effects: [] });
  if (key.full === 'return') return none(s); // blessed reports Enter twice (return, enter)
  if (s.modal !== undefined) return modalKey(s, s.modal, key);
  // A screen or save key while typing in a cell keeps what was typed, as leaving a spreadsheet cell does.
  if (s.edit !== undefined && GLOBAL_KEYS.has(key.full)) s = commitEdit(s);
  if (s.edit === undefined || s.screen !== 'nodes') {
    switch (key.full) {
      case 'f2': return none({ ...s, screen: 'credentials', status: undefined });
      case 'f3': return none({ ...s, screen: 'nodes', status: undefined });
      case 'f4': case 'C-r': return { state: { ...s, screen: 'nodes', modal: { kind: 'discovery', selected: 0 }, discovery: 'loading' }, effects: [{ kind: 'discover' }] };
      case 'C-o': return none({ ...s, modal: { kind: 'import', path: '' } });
      case 'C-s': case 'f10': return none(toSummary(s));
      case 'escape': case 'C-c':
        if (s.screen === 'summary' && key.full === 'escape') return none({ ...s, screen: 'nodes' });
        return isDirty(s) ? none({ ...s, modal: { kind: 'quit' } }) : { state: s, effects: [{ kind: 'quit' }] };
    }
  }
  if (s.screen === 'credentials') return none(credentialsKey(s, key));
  if (s.screen === 'summary') {
    if (key.full === 'enter' || key.ch === 'y') {
      const problems = blockingProblems(s);
      if (problems > 0) return none({ ...s, status: { tone: 'error', text: `cannot save: ${problems} problem${problems === 1 ? '' : 's'} to fix first (listed above)` } });
      return { state: { ...s, status: { tone: 'info', text: 'saving…' } }, effects: [{ kind: 'save' }] };
    }
    return none(s);
  }
  return none(nodesKey(s, key));
}

/** Problems that forbid saving: every table problem and every credentials problem. */
export function blockingProblems(s: SessionState): number {
  return s.validation.problems.length + validateCredentials(s.creds).length;
}

function toSummary(s: SessionState): SessionState {
  const n = blockingProblems(s);
  return { ...s, screen: 'summary', edit: undefined,
    status: n > 0 ? { tone: 'error', text: `cannot save yet: ${n} problem${n === 1 ? '' : 's'} (F2 credentials, F3 nodes to fix)` } : { tone: 'info', text: 'Enter saves the files listed above' } };
}

function credentialsKey(s: SessionState, key: Key): SessionState {
  const names = ['user', 'password', 'confirm'] as const;
  const field = names[s.credField];
  const setField = (v: string): SessionState => ({ ...s, creds: { ...s.creds, [field]: v }, status: undefined });
  const move = (d: number): SessionState => ({ ...s, credField: ((s.credField + d + 3) % 3) as 0 | 1 | 2 });
  const ch = typed(key);
  if (ch !== undefined) return setField(s.creds[field] + ch);
  switch (key.full) {
    case 'backspace': return setField(s.creds[field].slice(0, -1));
    case 'C-u': return setField('');
    case 'up': case 'S-tab': return move(-1);
    case 'down': case 'tab': return move(1);
    case 'enter':
      if (s.credField < 2) return move(1);
      return validateCredentials(s.creds).length === 0 ? { ...s, screen: 'nodes', status: { tone: 'ok', text: 'credentials complete; now the nodes' } }
        : { ...s, status: { tone: 'error', text: validateCredentials(s.creds).map((p) => p.message).join('; ') } };
    default: return s;
  }
}

function modalKey(s: SessionState, modal: Modal, key: Key): Step {
  const none = (state: SessionState): Step => ({ state, effects: [] });
  const close = (extra: Partial<SessionState> = {}): SessionState => ({ ...s, modal: undefined, ...extra });
  switch (modal.kind) {
    case 'quit':
      if (key.ch === 'y' || key.ch === 'Y') return { state: close(), effects: [{ kind: 'quit' }] };
      if (key.ch === 'n' || key.ch === 'N' || key.full === 'escape') return none(close());
      return none(s);
    case 'delete':
      if (key.ch === 'y' || key.ch === 'Y') {
        const next = withTable(s, { ...s.table, rows: s.table.rows.filter((_, i) => i !== modal.row) });
        return none({ ...next, modal: undefined, status: { tone: 'info', text: `row ${modal.row + 1} deleted` } });
      }
      return none(close());
    case 'import': {
      const ch = typed(key);
      if (ch !== undefined) return none({ ...s, modal: { kind: 'import', path: modal.path + ch } });
      if (key.full === 'backspace') return none({ ...s, modal: { kind: 'import', path: modal.path.slice(0, -1) } });
      if (key.full === 'escape') return none(close());
      if (key.full === 'enter' && modal.path.trim() !== '') return { state: close({ status: { tone: 'info', text: `importing ${modal.path.trim()}…` } }), effects: [{ kind: 'import', path: modal.path.trim() }] };
      return none(s);
    }
    case 'discovery': {
      const list = s.discovery !== undefined && s.discovery !== 'loading' && s.discovery.available ? s.discovery.macs : [];
      switch (key.full) {
        case 'escape': return none(close());
        case 'up': return none({ ...s, modal: { kind: 'discovery', selected: Math.max(0, modal.selected - 1) } });
        case 'down': return none({ ...s, modal: { kind: 'discovery', selected: Math.min(Math.max(0, list.length - 1), modal.selected + 1) } });
        case 'C-r': case 'f4': return { state: { ...s, discovery: 'loading' }, effects: [{ kind: 'discover' }] };
        case 'enter': {
          const item = list[modal.selected];
          return none(item === undefined ? close() : dropMac(close(), item.mac));
        }
        default: return none(s);
      }
    }
  }
}

/** Put a discovered MAC into the cursor's cell, or the row's first empty MAC cell when the cursor is on text. */
export function dropMac(s: SessionState, mac: string): SessionState {
  const row = s.table.rows[s.cursor.row];
  if (row === undefined) return { ...s, status: { tone: 'error', text: 'add a row first (Ctrl-N), then drop the MAC into it' } };
  const col = s.cursor.col <= 2 ? s.cursor.col : Math.max(0, row.cells.slice(0, 3).findIndex((c) => c === ''));
  const cells = [...row.cells] as [string, string, string, string, string];
  cells[col] = mac;
  const rows = s.table.rows.map((r, i) => (i === s.cursor.row ? { id: r.id, cells } : r));
  const next = withTable(s, { ...s.table, rows }, { row: s.cursor.row, col });
  return { ...next, status: { tone: 'ok', text: `${mac} put into row ${s.cursor.row + 1}` } };
}

export function afterImport(s: SessionState, path: string, result: ImportResult | Error): SessionState {
  if (result instanceof Error) return { ...s, status: { tone: 'error', text: `cannot import ${path}: ${result.message}` } };
  if (result.table === undefined) return { ...s, status: { tone: 'error', text: `cannot import ${path}: ${result.error ?? 'unknown reason'}` } };
  const next = withTable({ ...s, screen: 'nodes', edit: undefined }, result.table, { row: 0, col: 0 });
  const n = result.table.rows.length;
  const notes = result.notes.length > 0 ? ` (${result.notes[0]}${result.notes.length > 1 ? ` and ${result.notes.length - 1} more` : ''})` : '';
  return { ...next, status: { tone: next.validation.problems.length > 0 ? 'error' : 'ok', text: `imported ${n} row${n === 1 ? '' : 's'} from ${path}${notes}; ${next.validation.problems.length} problem(s)` } };
}

/** `from` is the state that was saved (the technician may have typed on while it was written). */
export function afterSave(s: SessionState, result: SaveResult | Error, from: SessionState = s): SessionState {
  if (result instanceof Error) return { ...s, status: { tone: 'error', text: `save failed, nothing was lost: ${result.message}` } };
  const what = result.written.length === 0 ? 'nothing changed on disk' : `saved ${result.written.length} file${result.written.length === 1 ? '' : 's'}`;
  const reload = result.reload === undefined ? '' : `; ${describeReload(result.reload)}`;
  return { ...s, saved: { table: from.table, creds: from.creds }, lastSave: result, status: { tone: result.reload?.kind === 'failed' ? 'error' : 'ok', text: `${what}${reload}` } };
}

export function afterDiscovery(s: SessionState, snapshot: DiscoverySnapshot): SessionState {
  const n = snapshot.available ? snapshot.macs.length : 0;
  const selected = s.modal?.kind === 'discovery' ? Math.min(s.modal.selected, Math.max(0, n - 1)) : 0;
  return { ...s, discovery: snapshot, modal: s.modal?.kind === 'discovery' ? { kind: 'discovery', selected } : s.modal };
}


