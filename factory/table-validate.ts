/**
 * Validation of the nodes table with exactly `factory check`'s rules: the table is written out
 * with the inventory's CSV writer and read back with its parser, management-node detection,
 * host-name assignment and address planner, and each problem is mapped back to its cell. So the
 * TUI can never accept a table that `factory check` (or the agent) would reject, or the reverse.
 * The one addition: a duplicated MAC is marked in every cell that holds it, not only the later.
 */
import { parseNodesCsv, NODES_CSV_COLUMNS } from '../agent/inventory/nodes-csv.js';
import { findManagementNode } from '../agent/inventory/management-node.js';
import { assignHostnames } from '../agent/inventory/hostnames.js';
import { planAddresses } from '../agent/inventory/address-plan.js';
import { normalizeMac, type Mac } from '../agent/lib/mac.js';
import type { LocalInterface } from '../agent/inventory/local-interfaces.js';
import { parseSubnet } from '../agent/lib/ipv4.js';
import { isRackerError } from '../agent/lib/errors.js';
import { MAC_COLUMNS, isEmptyRow, tableToCsv, type Table } from './table-model.js';

export interface TableProblem {
  /** Row index in the table; undefined for a problem of the whole table. */
  row: number | undefined;
  /** Column index; undefined for a problem of the whole row. */
  col: number | undefined;
  message: string;
  hint?: string;
}

export interface ValidationContext {
  interfaces: readonly LocalInterface[];
  hostnamePattern: string;
  subnet: string;
  discoveryPoolSize: number;
}

export interface TableValidation {
  problems: TableProblem[];
  /** `row:col` of every cell holding a MAC that appears in more than one cell. */
  duplicates: ReadonlySet<string>;
  /** Index of the row holding a MAC of this machine (the management node), when exactly one does. */
  managementRow: number | undefined;
  /** Rows holding a local MAC (more than one is itself a problem). */
  localRows: readonly number[];
}

export const cellKey = (row: number, col: number): string => `${row}:${col}`;
const FILE = 'nodes.csv';

export function validateTable(table: Table, ctx: ValidationContext): TableValidation {
  const problems: TableProblem[] = [];
  const duplicates = findDuplicates(table);
  const parsed = parseNodesCsv(tableToCsv(table), FILE);
  // Written line N holds the (N-1)th non-empty row (line 1 is the header; cells have no line breaks).
  const kept = table.rows.flatMap((r, i) => (isEmptyRow(r) ? [] : [i]));
  const rowOf = (line: number | undefined): number | undefined => (line === undefined || line < 2 ? undefined : kept[line - 2]);
  const rowify = (message: string): string => message.replace(/\blines? (\d+(?:, \d+)*)/g, (_, list: string) =>
    `row${list.includes(',') ? 's' : ''} ${list.split(', ').map((n) => String((rowOf(Number(n)) ?? Number(n) - 2) + 1)).join(', ')}`);
  const colOf = (field: string | undefined): number | undefined => {
    const i = (NODES_CSV_COLUMNS as readonly string[]).indexOf(field ?? '');
    return i === -1 ? undefined : i;
  };
  for (const p of parsed.problems) {
    const row = rowOf(p.line);
    const col = colOf(p.field);
    if (row !== undefined && col !== undefined && duplicates.has(cellKey(row, col))) continue; // reported below, in every cell
    problems.push({ row, col, message: rowify(p.message), hint: p.hint });
  }
  for (const key of duplicates) {
    const [row, col] = key.split(':').map(Number) as [number, number];
    const mac = normalizeMac(table.rows[row]?.cells[col] ?? '') as Mac;
    const others = [...duplicates].filter((k) => k !== key && normalizeMac(cellAt(table, k)) === mac).map((k) => {
      const [r, c] = k.split(':').map(Number) as [number, number];
      return `row ${r + 1} (${NODES_CSV_COLUMNS[c] ?? ''})`;
    });
    problems.push({ row, col, message: `${mac} is also in ${others.join(', ')}; every MAC must be unique` });
  }

  const localMacs = new Set(ctx.interfaces.map((i) => i.mac));
  const localRows = table.rows.flatMap((r, i) => (r.cells.slice(0, 3).some((c) => localMacs.has(normalizeMac(c) as Mac)) ? [i] : []));
  if (parsed.problems.length === 0 && duplicates.size === 0 && parsed.nodes.length > 0) {
    const mgmt = findManagementNode(parsed.nodes, ctx.interfaces, FILE);
    for (const p of mgmt.problems) problems.push({ row: rowOf(p.line), col: colOf(p.field), message: rowify(p.message), hint: p.hint });
    const names = assignHostnames(ctx.hostnamePattern, parsed.nodes, FILE);
    for (const p of names.problems) problems.push({ row: rowOf(p.line), col: undefined, message: rowify(p.message), hint: p.hint });
    const subnet = parseSubnet(ctx.subnet);
    if (mgmt.management !== undefined && typeof subnet !== 'string') {
      const others = parsed.nodes.filter((n) => n !== mgmt.management?.node);
      try {
        planAddresses(subnet, [...others.map((n) => n.primaryMac), ...others.map((n) => n.bmcMac)], ctx.discoveryPoolSize);
      } catch (e) {
        if (!isRackerError(e)) throw e;
        problems.push({ row: undefined, col: undefined, message: e.message, hint: e.hint });
      }
    }
  }
  return { problems, duplicates, managementRow: localRows.length === 1 ? localRows[0] : undefined, localRows };
}

/** Problems of one cell (or, with col undefined, of the row as a whole). */
export function problemsAt(v: TableValidation, row: number, col: number | undefined): TableProblem[] {
  return v.problems.filter((p) => p.row === row && p.col === col);
}

function cellAt(table: Table, key: string): string {
  const [r, c] = key.split(':').map(Number) as [number, number];
  return table.rows[r]?.cells[c] ?? '';
}

function findDuplicates(table: Table): Set<string> {
  const byMac = new Map<string, string[]>();
  table.rows.forEach((r, i) => {
    for (const c of MAC_COLUMNS) {
      const mac = normalizeMac(r.cells[c] ?? '');
      if (mac !== undefined) byMac.set(mac, [...(byMac.get(mac) ?? []), cellKey(i, c)]);
    }
  });
  return new Set([...byMac.values()].filter((keys) => keys.length > 1).flat());
}
