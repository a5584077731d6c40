import { expect } from 'chai';
import {
  addRow, deleteRow, emptyTable, getCell, importCsv, moveRow, normalizeCellInput, sameContent, setCell, tableFromCells, tableToCsv, type Cells,
} from '../../../factory/table-model.js';
import { parseNodesCsv, NODES_CSV_HEADER } from '../../../agent/inventory/nodes-csv.js';

const ROW_A: Cells = ['00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:30', 'mgmt', 'management'];
const ROW_B: Cells = ['00:11:22:33:44:10', '00:11:22:33:44:11', '00:11:22:33:44:40', 'worker', ''];
const ROW_C: Cells = ['00:11:22:33:44:20', '00:11:22:33:44:21', '00:11:22:33:44:50', 'worker', 'u3'];

describe('factory table model', () => {
  describe('normalizeCellInput', () => {
    it('normalises MACs in any accepted form, and bare 12-digit barcode MACs', () => {
      expect(normalizeCellInput(0, ' AA-BB-CC-DD-EE-0F ')).to.equal('aa:bb:cc:dd:ee:0f');
      expect(normalizeCellInput(1, 'AABBCCDDEE0F')).to.equal('aa:bb:cc:dd:ee:0f');
      expect(normalizeCellInput(2, 'Aa:bB:cc:dd:ee:0f')).to.equal('aa:bb:cc:dd:ee:0f');
    });
    it('keeps a non-MAC as typed so its error can point at it', () => {
      expect(normalizeCellInput(0, ' zz:11 ')).to.equal('zz:11');
      expect(normalizeCellInput(0, 'aabbccddeeff0')).to.equal('aabbccddeeff0');
    });
    it('leaves text columns alone except trimming and flattening line breaks', () => {
      expect(normalizeCellInput(3, ' AABBCCDDEE0F ')).to.equal('AABBCCDDEE0F');
      expect(normalizeCellInput(4, 'rack\nunit 3\t')).to.equal('rack unit 3');
    });
  });

  describe('rows', () => {
    it('adds rows at the end, after a row, or at the top, with fresh identities', () => {
      let t = tableFromCells([ROW_A, ROW_B]);
      const end = addRow(t);
      expect(end.index).to.equal(2);
      const mid = addRow(end.table, 0, ROW_C);
      expect(mid.index).to.equal(1);
      expect(mid.table.rows.map((r) => r.cells[4])).to.deep.equal(['management', 'u3', '', '']);
      const top = addRow(mid.table, -1);
      expect(top.index).to.equal(0);
      t = top.table;
      expect(new Set(t.rows.map((r) => r.id)).size).to.equal(5);
    });
    it('deletes a row and ignores an index out of range', () => {
      const t = tableFromCells([ROW_A, ROW_B, ROW_C]);
      expect(deleteRow(t, 1).rows.map((r) => r.cells[0])).to.deep.equal([ROW_A[0], ROW_C[0]]);
      expect(deleteRow(t, 7)).to.equal(t);
    });
    it('moves a row up and down, not past the ends, keeping its identity', () => {
      const t = tableFromCells([ROW_A, ROW_B, ROW_C]);
      const id = t.rows[2]?.id;
      const up = moveRow(t, 2, -1);
      expect(up.index).to.equal(1);
      expect(up.table.rows[1]?.id).to.equal(id);
      expect(up.table.rows.map((r) => r.cells[4])).to.deep.equal(['management', 'u3', '']);
      expect(moveRow(t, 0, -1)).to.deep.equal({ table: t, index: 0 });
      expect(moveRow(t, 2, 1)).to.deep.equal({ table: t, index: 2 });
    });
    it('sets a cell with normalisation and leaves the original table untouched', () => {
      const t = tableFromCells([ROW_A]);
      const t2 = setCell(t, 0, 1, '00-11-22-33-44-AA');
      expect(getCell(t2, 0, 1)).to.equal('00:11:22:33:44:aa');
      expect(getCell(t, 0, 1)).to.equal(ROW_A[1]);
      expect(sameContent(t, t2)).to.equal(false);
      expect(sameContent(t, tableFromCells([ROW_A]))).to.equal(true);
    });
  });

  describe('CSV', () => {
    it('writes the canonical nodes.csv that the inventory parser reads back unchanged', () => {
      const t = tableFromCells([ROW_A, ['00:11:22:33:44:10', '00:11:22:33:44:11', '00:11:22:33:44:40', 'worker', 'says "hi", twice']]);
      const csv = tableToCsv(t);
      expect(csv.split('\n')[0]).to.equal(NODES_CSV_HEADER);
      const parsed = parseNodesCsv(csv, 'nodes.csv');
      expect(parsed.problems).to.deep.equal([]);
      expect(parsed.nodes[1]?.comments).to.equal('says "hi", twice');
      expect(importCsv(csv).table?.rows.map((r) => r.cells)).to.deep.equal(t.rows.map((r) => r.cells));
    });
    it('imports a spreadsheet export: skips the header, normalises MACs, keeps bad rows to fix', () => {
      const r = importCsv('\uFEFFPrimary,BMC,Secondary,Type,Comment\r\nAABBCCDDEE00,AA-BB-CC-DD-EE-01,aa:bb:cc:dd:ee:02,worker,x\r\nnot-a-mac,,,,\r\n');
      expect(r.error).to.equal(undefined);
      expect(r.table?.rows.map((x) => x.cells)).to.deep.equal([
        ['aa:bb:cc:dd:ee:00', 'aa:bb:cc:dd:ee:01', 'aa:bb:cc:dd:ee:02', 'worker', 'x'],
        ['not-a-mac', '', '', '', ''],
      ]);
    });
    it('imports a file without header, pads short rows and merges extra columns into comments', () => {
      const r = importCsv('aa:bb:cc:dd:ee:00,aa:bb:cc:dd:ee:01\naa:bb:cc:dd:ee:10,aa:bb:cc:dd:ee:11,aa:bb:cc:dd:ee:12,w,c1,rack 2,slot 4\n');
      expect(r.table?.rows.map((x) => x.cells)).to.deep.equal([
        ['aa:bb:cc:dd:ee:00', 'aa:bb:cc:dd:ee:01', '', '', ''],
        ['aa:bb:cc:dd:ee:10', 'aa:bb:cc:dd:ee:11', 'aa:bb:cc:dd:ee:12', 'w', 'c1; rack 2; slot 4'],
      ]);
      expect(r.notes).to.have.length(2);
      expect(r.notes[1]).to.match(/^row 2: 7 columns/);
    });
    it('refuses binary files and broken CSV with a reason, producing no table', () => {
      expect(importCsv(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff]))).to.include({ table: undefined });
      expect(importCsv(Buffer.from('a,b\0,c\n')).error).to.match(/binary/);
      expect(importCsv('a,"b\n').error).to.match(/^not valid CSV/);
    });
    it('imports an empty file as an empty table', () => {
      expect(importCsv('').table).to.deep.equal(emptyTable());
    });
  });
});
