import { expect } from 'chai';
import { assignHostnames, renderHostname } from '../../../agent/inventory/hostnames.js';
import type { CsvRow } from '../../../agent/inventory/nodes-csv.js';
import type { Mac } from '../../../agent/lib/mac.js';

const node = (row: number, nodeType: string, m = `02:00:00:00:00:${String(row).padStart(2, '0')}`): CsvRow =>
  ({ row, line: row + 1, primaryMac: m as Mac, bmcMac: '02:00:00:00:01:00' as Mac, secondaryMac: '02:00:00:00:02:00' as Mac, nodeType, comments: '' });

describe('host names', () => {
  it('renders the placeholders', () => {
    expect(renderHostname('node-{row}', node(3, 'x'))).to.equal('node-03');
    expect(renderHostname('{type}-{row}', node(12, 'Big Worker!'))).to.equal('big-worker-12');
    expect(renderHostname('n{mac}', node(1, ''))).to.equal('n020000000001');
    expect(renderHostname('{type}{row}', node(1, ''))).to.equal('node01');
  });

  it('reports invalid and duplicate names with their line', () => {
    const { names, problems } = assignHostnames('{type}-{row}', [node(1, 'a'), node(2, 'b'), node(3, '')], '/oem/nodes.csv');
    expect([...names.values()]).to.deep.equal(['a-01', 'b-02', 'node-03']);
    expect(problems).to.deep.equal([]);
    const long = assignHostnames(`${'x'.repeat(70)}{row}`, [node(1, 'a')], 'f');
    expect(long.problems[0]?.message).to.match(/is not a valid DNS label/);
    expect(long.problems[0]?.line).to.equal(2);
  });
});
