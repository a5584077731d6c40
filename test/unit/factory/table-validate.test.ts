import { expect } from 'chai';
import { tableFromCells, setCell, type Cells } from '../../../factory/table-model.js';
import { validateTable, problemsAt, cellKey, type ValidationContext } from '../../../factory/table-validate.js';
import type { LocalInterface } from '../../../agent/inventory/local-interfaces.js';
import type { Mac } from '../../../agent/lib/mac.js';

const MGMT: Cells = ['00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:30', 'mgmt', 'management'];
const W1: Cells = ['00:11:22:33:44:10', '00:11:22:33:44:11', '00:11:22:33:44:40', 'worker', ''];
const W2: Cells = ['00:11:22:33:44:20', '00:11:22:33:44:21', '00:11:22:33:44:50', 'worker', ''];
const IFACES: LocalInterface[] = [{ name: 'eth1', mac: '00:11:22:33:44:30' as Mac, physical: true }];
const CTX: ValidationContext = { interfaces: IFACES, hostnamePattern: 'node-{row}', subnet: '172.24.213.0/24', discoveryPoolSize: 16 };

describe('factory table validation (the rules of factory check)', () => {
  it('accepts a valid rack and finds the management row from the local MACs', () => {
    const v = validateTable(tableFromCells([W1, MGMT, W2]), CTX);
    expect(v.problems).to.deep.equal([]);
    expect(v.managementRow).to.equal(1);
  });

  it('puts an invalid MAC on its cell, with the parser\'s message', () => {
    const t = setCell(tableFromCells([MGMT, W1]), 1, 1, 'zz:11:22');
    const v = validateTable(t, CTX);
    const at = problemsAt(v, 1, 1);
    expect(at).to.have.length(1);
    expect(at[0]?.message).to.match(/"zz:11:22" is not a MAC address/);
    expect(v.problems).to.have.length(1);
  });

  it('marks an empty MAC cell as required and a MAC in the node type column', () => {
    const t = tableFromCells([MGMT, ['', W1[1], W1[2], '00:11:22:33:44:99', '']]);
    const v = validateTable(t, CTX);
    expect(problemsAt(v, 1, 0)[0]?.message).to.match(/is empty; a MAC address/);
    expect(problemsAt(v, 1, 3)[0]?.message).to.match(/looks like a MAC address/);
  });

  it('highlights a duplicated MAC in every cell that holds it, naming the other rows', () => {
    const t = tableFromCells([MGMT, W1, [W2[0], W1[1], W2[2], '', '']]);
    const v = validateTable(t, CTX);
    expect([...v.duplicates].sort()).to.deep.equal([cellKey(1, 1), cellKey(2, 1)]);
    expect(problemsAt(v, 1, 1)[0]?.message).to.equal('00:11:22:33:44:11 is also in row 3 (BMC MAC address); every MAC must be unique');
    expect(problemsAt(v, 2, 1)[0]?.message).to.equal('00:11:22:33:44:11 is also in row 2 (BMC MAC address); every MAC must be unique');
    expect(v.problems).to.have.length(2);
  });

  it('rejects multicast MACs like factory check', () => {
    const v = validateTable(setCell(tableFromCells([MGMT, W1]), 1, 0, '01:00:5e:00:00:01'), CTX);
    expect(problemsAt(v, 1, 0)[0]?.message).to.match(/multicast/);
  });

  it('reports a table with no management row, and one with two, in rows not file lines', () => {
    const none = validateTable(tableFromCells([W1, W2]), CTX);
    expect(none.managementRow).to.equal(undefined);
    expect(none.problems.map((p) => p.message).join()).to.match(/no row holds a MAC of this machine/);
    const two = validateTable(tableFromCells([MGMT, [W1[0], W1[1], '00:11:22:33:44:30', '', '']]), { ...CTX, interfaces: [...IFACES, { name: 'eth0', mac: W1[0] as Mac, physical: true }] });
    expect(two.localRows).to.deep.equal([0, 1]);
    expect(two.managementRow).to.equal(undefined);
  });

  it('reports that the management row\'s secondary MAC must be the local rack-facing NIC', () => {
    const v = validateTable(tableFromCells([MGMT, W1]), { ...CTX, interfaces: [{ name: 'eth0', mac: MGMT[0] as Mac, physical: true }] });
    expect(v.managementRow).to.equal(0);
    const p = problemsAt(v, 0, 2)[0];
    expect(p?.message).to.match(/secondary MAC 00:11:22:33:44:30 is not on any local interface/);
  });

  it('reports an empty table and a subnet too small for the rack, as factory check does', () => {
    expect(validateTable(tableFromCells([]), CTX).problems[0]?.message).to.match(/no node rows/);
    const many = [MGMT, ...Array.from({ length: 8 }, (_, i): Cells => [`02:00:00:00:0${i}:01`, `02:00:00:00:0${i}:02`, `02:00:00:00:0${i}:03`, '', ''])];
    const v = validateTable(tableFromCells(many), { ...CTX, subnet: '10.0.0.0/28', discoveryPoolSize: 4 });
    expect(v.problems.map((p) => p.message).join()).to.match(/subnet 10\.0\.0\.0\/28 is full/);
  });

  it('reports host name collisions from a pattern without {row} or {mac}', () => {
    const v = validateTable(tableFromCells([MGMT, W1, W2]), { ...CTX, hostnamePattern: 'n-{type}' });
    expect(problemsAt(v, 2, undefined)[0]?.message).to.match(/also the name of row 2/);
  });
});

describe('factory table validation: empty rows', () => {
  it('leaves fully empty rows out of validation and of the saved CSV, and maps rows around them', async () => {
    const { tableToCsv } = await import('../../../factory/table-model.js');
    const t = tableFromCells([MGMT, ['', '', '', '', ''], [W1[0], 'bad', W1[2], '', '']]);
    const v = validateTable(t, CTX);
    expect(v.problems).to.have.length(1);
    expect(problemsAt(v, 2, 1)[0]?.message).to.match(/"bad" is not a MAC/);
    expect(tableToCsv(t).trim().split('\n')).to.have.length(3);
    const dup = validateTable(tableFromCells([MGMT, ['', '', '', '', ''], [W1[0], W1[1], W1[2], W1[3], ''], [W2[0], W2[1], W2[2], W2[3], '']]), { ...CTX, hostnamePattern: 'x-{type}' });
    expect(problemsAt(dup, 3, undefined)[0]?.message).to.match(/also the name of row 3/);
  });
});
