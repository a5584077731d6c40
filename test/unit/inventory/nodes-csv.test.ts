import { expect } from 'chai';
import fc from 'fast-check';
import { parseNodesCsv, formatNodesCsv, NODES_CSV_HEADER } from '../../../agent/inventory/nodes-csv.js';
import { formatProblem } from '../../../agent/lib/errors.js';
import { normalizeMac, type Mac } from '../../../agent/lib/mac.js';

const F = '/oem/nodes.csv';
const H = NODES_CSV_HEADER;
const messages = (content: string | Buffer): string[] => parseNodesCsv(content, F).problems.map(formatProblem);

describe('nodes.csv parsing', () => {
  it('parses the original README example into typed records', () => {
    const { nodes, problems } = parseNodesCsv(`${H}\n00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, red, mgmt node\n00:11:22:33:44:10, 00:11:22:33:44:11, 00:11:22:33:44:40, red, controller\n`, F);
    expect(problems).to.deep.equal([]);
    expect(nodes).to.have.length(2);
    expect(nodes[1]).to.deep.include({ row: 2, line: 3, primaryMac: '00:11:22:33:44:10', bmcMac: '00:11:22:33:44:11', secondaryMac: '00:11:22:33:44:40', nodeType: 'red', comments: 'controller' });
  });

  it('tolerates a UTF-8 BOM, CRLF line ends, blank lines, whitespace around fields and upper-case or dashed MACs', () => {
    const text = `\uFEFF  Primary MAC address ,BMC MAC address,Secondary MAC address,Node Type,Comments\r\n\r\n00-11-22-33-44-AA ,  00:11:22:33:44:BB,00:11:22:33:44:cc,  worker , spare\r\n`;
    const { nodes, problems } = parseNodesCsv(text, F);
    expect(problems).to.deep.equal([]);
    expect(nodes[0]).to.deep.include({ line: 3, primaryMac: '00:11:22:33:44:aa', bmcMac: '00:11:22:33:44:bb', nodeType: 'worker', comments: 'spare' });
  });

  it('accepts quoted comments containing commas and reports the row\'s first line', () => {
    const { nodes, problems } = parseNodesCsv(`${H}\n00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, , "rack 1, unit 2"\n`, F);
    expect(problems).to.deep.equal([]);
    expect(nodes[0]?.comments).to.equal('rack 1, unit 2');
    expect(nodes[0]?.nodeType).to.equal('');
  });

  // The table of bad files: every entry is the exact text an operator sees.
  const row = (p: string, b: string, s: string, t = 'worker', c = ''): string => `${p}, ${b}, ${s}, ${t}, ${c}`;
  const ok1 = row('00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:30');
  const table: [string, string | Buffer, string[]][] = [
    ['empty file', '', [`${F}: the file is empty\n    fix: write the header "${H}" and one row per server, e.g. "00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, management node"`]],
    ['only whitespace', ' \n\n', [`${F}: the file is empty\n    fix: write the header "${H}" and one row per server, e.g. "00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, management node"`]],
    ['header only', `${H}\n`, [`${F}:1: there are no node rows after the header\n    fix: add one row per server, the management node first, e.g. "00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, management node"`]],
    ['missing header', `${ok1}\n`, [`${F}:1: the header row is missing (the first row holds MAC addresses)\n    fix: insert "${H}" as the first line`]],
    ['wrong header column', `Primary MAC address, BMC MAC, Secondary MAC address, Node Type, Comments\n${ok1}\n`,
      [`${F}:1: header column 2 is "BMC MAC", expected "BMC MAC address"\n    fix: the header must be "${H}"`]],
    ['header with too few columns', `Primary MAC address, BMC MAC address\n${ok1}\n`, [`${F}:1: the header has 2 columns, expected 5\n    fix: the header must be "${H}"`]],
    ['row with too few fields', `${H}\n00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, worker\n`,
      [`${F}:2: has 4 fields, expected 5 (Primary MAC address, BMC MAC address, Secondary MAC address, Node Type, Comments)\n    fix: keep every comma even when a field is empty`]],
    ['row with too many fields', `${H}\n${ok1}, extra, more\n`,
      [`${F}:2: has 7 fields, expected 5 (Primary MAC address, BMC MAC address, Secondary MAC address, Node Type, Comments)\n    fix: quote a comment that contains commas`]],
    ['empty MAC', `${H}\n${row('00:11:22:33:44:00', '', '00:11:22:33:44:30')}\n`, [`${F}:2: BMC MAC address: is empty; a MAC address like 00:11:22:33:44:55 is required`]],
    ['malformed MAC', `${H}\n${row('00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:3')}\n`,
      [`${F}:2: Secondary MAC address: "00:11:22:33:44:3" is not a MAC address (expected six hex pairs separated by : or -, like 00:11:22:33:44:55)`]],
    ['multicast MAC', `${H}\n${row('01:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:30')}\n`,
      [`${F}:2: Primary MAC address: 01:11:22:33:44:00 is a multicast address, which no network card has\n    fix: check for a typo in the first byte`]],
    ['MAC used twice across columns and rows, in another case and form', `${H}\n${ok1}\n${row('00:11:22:33:44:10', '00-11-22-33-44-30', '00:11:22:33:44:40')}\n`,
      [`${F}:3: BMC MAC address: 00:11:22:33:44:30 is already used on line 2 (Secondary MAC address); every MAC must be unique`]],
    ['MAC used twice in one row', `${H}\n${row('00:11:22:33:44:00', '00:11:22:33:44:00', '00:11:22:33:44:30')}\n`,
      [`${F}:2: BMC MAC address: 00:11:22:33:44:00 is already used on line 2 (Primary MAC address); every MAC must be unique`]],
    ['node type that is a MAC', `${H}\n${row('00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:30', '00:11:22:33:44:99')}\n`,
      [`${F}:2: Node Type: "00:11:22:33:44:99" looks like a MAC address; the node type is a free-text label such as "worker"\n    fix: check that the columns are in the right order`]],
    ['binary content', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x0a]), [`${F}:1: binary content (NUL bytes or invalid UTF-8); this is not a text CSV file\n    fix: export the spreadsheet as CSV (UTF-8)`]],
    ['invalid UTF-8 on line 2', Buffer.concat([Buffer.from(`${H}\n`), Buffer.from([0xff, 0xfe, 0x41])]), [`${F}:2: binary content (NUL bytes or invalid UTF-8); this is not a text CSV file\n    fix: export the spreadsheet as CSV (UTF-8)`]],
    ['over-long line', `${H}\n${ok1}${'x'.repeat(2000)}\n`, [`${F}:2: line is ${ok1.length + 2000} characters long; at most 1024 are allowed\n    fix: is this the right file?`]],
    ['stray quote', `${H}\n${ok1.replace('worker', '"worker')}\n`, [`${F}:2: not valid CSV: a field opened with a quote (") is never closed\n    fix: quote fields that contain commas or quotes with "…"`]],
    ['unclosed quote', `${H}\n${ok1}\n"00:11:22:33:44:10, x\n`, [`${F}:3: not valid CSV: a field opened with a quote (") is never closed\n    fix: quote fields that contain commas or quotes with "…"`]],
    ['quote inside a field', `${H}\n${ok1.replace('worker', 'wor"ker')}\n`, [`${F}:2: not valid CSV: a quote (") stands inside a field\n    fix: quote fields that contain commas or quotes with "…"`]],
  ];
  for (const [name, content, expected] of table) {
    it(`reports ${name} exactly`, () => {
      expect(messages(content)).to.deep.equal(expected);
    });
  }

  it('reports every problem in the file, not just the first', () => {
    const text = `${H}\n${row('zz', '00:11:22:33:44:01', '00:11:22:33:44:30')}\n${row('00:11:22:33:44:10', '', '00:11:22:33:44:01')}\n`;
    const got = messages(text);
    expect(got).to.have.length(3);
    expect(got[0]).to.match(/^\/oem\/nodes\.csv:2: Primary MAC address: "zz"/);
    expect(got[1]).to.match(/^\/oem\/nodes\.csv:3: BMC MAC address: is empty/);
    expect(got[2]).to.match(/^\/oem\/nodes\.csv:3: Secondary MAC address: 00:11:22:33:44:01 is already used on line 2/);
  });

  it('property: format then parse gives back the same records', () => {
    const macArb = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 })
      .map((b) => { b[0] = (b[0] as number) & 0xfe; return b.map((x) => x.toString(16).padStart(2, '0')).join(':'); });
    const textArb = fc.string({ maxLength: 20 }).filter((s) => !/[\r\n]/.test(s) && !s.includes('\u0000') && s.trim() === s && !/^[0-9a-f]{12}$/i.test(s) && normalizeMac(s) === undefined);
    const rowArb = fc.record({ primaryMac: macArb, bmcMac: macArb, secondaryMac: macArb, nodeType: textArb, comments: textArb });
    fc.assert(fc.property(fc.array(rowArb, { minLength: 1, maxLength: 8 }), (rows) => {
      const macs = rows.flatMap((r) => [r.primaryMac, r.bmcMac, r.secondaryMac]);
      fc.pre(new Set(macs).size === macs.length);
      const typed = rows.map((r) => ({ ...r, primaryMac: r.primaryMac as Mac, bmcMac: r.bmcMac as Mac, secondaryMac: r.secondaryMac as Mac }));
      const { nodes, problems } = parseNodesCsv(formatNodesCsv(typed), F);
      expect(problems).to.deep.equal([]);
      expect(nodes.map(({ primaryMac, bmcMac, secondaryMac, nodeType, comments }) => ({ primaryMac, bmcMac, secondaryMac, nodeType, comments }))).to.deep.equal(rows);
    }), { numRuns: 200 });
  });
});
