/**
 * nodes.csv: the rack metadata the factory writes to the OEM partition. One header row with the
 * original's five columns, then one row per server (the management node included). Parsed into
 * typed records; every problem is collected with its line and column so `factory check` can show
 * all of them at once.
 */
import { parse } from 'csv-parse/sync';
import type { Problem } from '../lib/errors.js';
import { looksLikeMac, normalizeMac, isMulticastMac, type Mac } from '../lib/mac.js';

export const NODES_CSV_COLUMNS = ['Primary MAC address', 'BMC MAC address', 'Secondary MAC address', 'Node Type', 'Comments'] as const;
export const NODES_CSV_HEADER = NODES_CSV_COLUMNS.join(', ');
const EXAMPLE_ROW = '00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, management node';
const MAX_LINE_LENGTH = 1024;
const MAC_COLUMNS = [0, 1, 2] as const;

/** One data row of nodes.csv (a node as the factory wrote it; the agent's memory of a node is state/records.ts's NodeRecord). */
export interface CsvRow {
  /** 1-based position among the data rows; stable names ({row}) and `racker ipmi 3` use it. */
  row: number;
  /** Line in the file where the row starts. */
  line: number;
  primaryMac: Mac;
  bmcMac: Mac;
  secondaryMac: Mac;
  /** Free text used for role placement; '' when not given. */
  nodeType: string;
  comments: string;
}

export interface ParsedNodesCsv {
  nodes: CsvRow[];
  problems: Problem[];
}

/** Parse file content. `file` is the name used in problems. Never throws for bad content. */
export function parseNodesCsv(content: Buffer | string, file: string): ParsedNodesCsv {
  const problems: Problem[] = [];
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const at = (line: number | undefined, message: string, field?: string, hint?: string): void => {
    problems.push({ file, line, field, message, hint });
  };

  if (bytes.length === 0 || bytes.toString('utf8').replace(/^\uFEFF/, '').trim() === '') {
    at(undefined, 'the file is empty', undefined, `write the header "${NODES_CSV_HEADER}" and one row per server, e.g. "${EXAMPLE_ROW}"`);
    return { nodes: [], problems };
  }
  const binaryAt = firstBinaryLine(bytes);
  if (binaryAt !== undefined) {
    at(binaryAt, 'binary content (NUL bytes or invalid UTF-8); this is not a text CSV file', undefined, 'export the spreadsheet as CSV (UTF-8)');
    return { nodes: [], problems };
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const longLines = lines.map((l, i) => [l.length, i + 1] as const).filter(([len]) => len > MAX_LINE_LENGTH);
  for (const [len, line] of longLines) at(line, `line is ${len} characters long; at most ${MAX_LINE_LENGTH} are allowed`, undefined, 'is this the right file?');
  if (longLines.length > 0) return { nodes: [], problems };

  let rows: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    rows = parse(text, { trim: true, relax_column_count: true, skip_empty_lines: true, info: true, raw: true, record_delimiter: '\n' }) as unknown as typeof rows;
  } catch (e) {
    const err = e as { lines?: number; message: string; code?: string };
    const why = err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a field opened with a quote (") is never closed'
      : err.code === 'INVALID_OPENING_QUOTE' ? 'a quote (") stands inside a field'
      : err.message;
    at(err.lines, `not valid CSV: ${why}`, undefined, 'quote fields that contain commas or quotes with "…"');
    return { nodes: [], problems };
  }
  // info.lines is the line a record ends on; its raw text may carry skipped blank lines before it.
  const located = rows.map((r) => ({ fields: r.record, line: r.info.lines - countNewlines(r.raw.replace(/^(?:[ \t]*\n)+/, '').replace(/\n[\s]*$/, '')) }));

  const header = located[0];
  if (header === undefined) {
    at(undefined, 'the file has no rows', undefined, `write the header "${NODES_CSV_HEADER}"`);
    return { nodes: [], problems };
  }
  if (header.fields.some(looksLikeMac)) {
    at(header.line, 'the header row is missing (the first row holds MAC addresses)', undefined, `insert "${NODES_CSV_HEADER}" as the first line`);
    return { nodes: [], problems };
  }
  checkHeader(header.fields, header.line, at);
  if (located.length === 1) {
    at(header.line, 'there are no node rows after the header', undefined, `add one row per server, the management node first, e.g. "${EXAMPLE_ROW}"`);
  }

  const nodes: CsvRow[] = [];
  const seen = new Map<Mac, { line: number; column: string }>();
  located.slice(1).forEach(({ fields, line }, index) => {
    if (fields.length !== NODES_CSV_COLUMNS.length) {
      at(line, `has ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${NODES_CSV_COLUMNS.length} (${NODES_CSV_COLUMNS.join(', ')})`, undefined,
        fields.length > NODES_CSV_COLUMNS.length ? 'quote a comment that contains commas' : 'keep every comma even when a field is empty');
      return;
    }
    const macs: (Mac | undefined)[] = MAC_COLUMNS.map((c) => {
      const column = NODES_CSV_COLUMNS[c];
      const value = fields[c] ?? '';
      if (value === '') {
        at(line, 'is empty; a MAC address like 00:11:22:33:44:55 is required', column);
        return undefined;
      }
      const mac = normalizeMac(value);
      if (mac === undefined) {
        at(line, `"${value}" is not a MAC address (expected six hex pairs separated by : or -, like 00:11:22:33:44:55)`, column);
        return undefined;
      }
      if (isMulticastMac(mac)) {
        at(line, `${mac} is a multicast address, which no network card has`, column, 'check for a typo in the first byte');
        return undefined;
      }
      const before = seen.get(mac);
      if (before !== undefined) {
        at(line, `${mac} is already used on line ${before.line} (${before.column}); every MAC must be unique`, column);
        return undefined;
      }
      seen.set(mac, { line, column });
      return mac;
    });
    const nodeType = fields[3] ?? '';
    if (looksLikeMac(nodeType)) {
      at(line, `"${nodeType}" looks like a MAC address; the node type is a free-text label such as "worker"`, NODES_CSV_COLUMNS[3], 'check that the columns are in the right order');
      return;
    }
    const [primaryMac, bmcMac, secondaryMac] = macs;
    if (primaryMac === undefined || bmcMac === undefined || secondaryMac === undefined) return;
    nodes.push({ row: index + 1, line, primaryMac, bmcMac, secondaryMac, nodeType, comments: fields[4] ?? '' });
  });
  return { nodes, problems };
}

function checkHeader(fields: string[], line: number, at: (line: number, message: string, field?: string, hint?: string) => void): void {
  const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();
  if (fields.length !== NODES_CSV_COLUMNS.length) {
    at(line, `the header has ${fields.length} column${fields.length === 1 ? '' : 's'}, expected ${NODES_CSV_COLUMNS.length}`, undefined, `the header must be "${NODES_CSV_HEADER}"`);
    return;
  }
  NODES_CSV_COLUMNS.forEach((expected, i) => {
    if (norm(fields[i] ?? '') !== norm(expected)) {
      at(line, `header column ${i + 1} is "${fields[i] ?? ''}", expected "${expected}"`, undefined, `the header must be "${NODES_CSV_HEADER}"`);
    }
  });
}

/** Serialise records back to CSV in the canonical form (used by the factory TUI; round-trips with parse). */
export function formatNodesCsv(nodes: readonly Pick<CsvRow, 'primaryMac' | 'bmcMac' | 'secondaryMac' | 'nodeType' | 'comments'>[]): string {
  const field = (s: string): string => (/[",\n\r]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = nodes.map((n) => [n.primaryMac, n.bmcMac, n.secondaryMac, n.nodeType, n.comments].map(field).join(', '));
  return `${NODES_CSV_HEADER}\n${rows.map((r) => `${r}\n`).join('')}`;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === '\n') n++;
  return n;
}

/** 1-based line of the first NUL byte or invalid UTF-8 sequence, if any. */
function firstBinaryLine(bytes: Buffer): number | undefined {
  const nul = bytes.indexOf(0);
  let bad = nul === -1 ? -1 : nul;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Invalid UTF-8: find where, by decoding growing prefixes line by line.
    let offset = 0;
    for (const chunk of splitLinesBytes(bytes)) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(chunk);
      } catch {
        bad = bad === -1 ? offset : Math.min(bad, offset);
        break;
      }
      offset += chunk.length + 1;
    }
  }
  if (bad === -1) return undefined;
  let line = 1;
  for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function* splitLinesBytes(bytes: Buffer): Generator<Buffer> {
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl === -1) {
      yield bytes.subarray(start);
      return;
    }
    yield bytes.subarray(start, nl);
    start = nl + 1;
  }
}
