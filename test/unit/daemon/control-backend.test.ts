import { expect } from 'chai';
import { countRequestNodes, findNodeIn } from '../../../agent/daemon/control-backend.js';
import { applyInventory } from '../../../agent/state/inventory-sync.js';
import { bootstrapRequestSchema } from '../../../agent/api/requests.js';
import { bootstrapBody } from '../../lib/bootstrap-request.js';
import { ValidationError } from '../../../agent/lib/errors.js';
import type { NodeRecord } from '../../../agent/state/records.js';
import { selectNodes } from '../../../bootstrap/runner.js';
import { fakePlan, nodeMac } from '../../lib/bootstrap-fixtures.js';

const T = '2030-01-01T00:00:00.000Z';
const nodes: NodeRecord[] = Object.values(applyInventory({}, [0, 1, 2, 3].map((i) => ({
  primaryMac: `02:00:00:00:00:0${i}`, bmcMac: `02:00:00:00:01:0${i}`, secondaryMac: `02:00:00:00:02:0${i}`, nodeType: 't', row: i,
  hostname: `node-0${i}`, address: 'a', bmcAddress: 'b', isManagement: i === 0,
})), () => 'ipmi', T).nodes);
const req = (o: Record<string, unknown>) => bootstrapRequestSchema.parse(JSON.parse(bootstrapBody(o)));

describe('daemon/control-backend', () => {
  it('finds a node by MAC in any spelling or by host name', () => {
    expect(findNodeIn(nodes, '02-00-00-00-00-02')?.hostname).to.equal('node-02');
    expect(findNodeIn(nodes, '02:00:00:00:00:03'.toUpperCase())?.hostname).to.equal('node-03');
    expect(findNodeIn(nodes, 'NODE-01')?.mac).to.equal('02:00:00:00:00:01');
    expect(findNodeIn(nodes, 'node-09')).to.equal(undefined);
  });

  it('names a node as every command does (inventory/node-ref.ts): a BMC or secondary MAC, Cisco spelling, short host name or row', () => {
    const plan = fakePlan(['a', 'b', 'c']);
    // --node <BMC MAC>: the API counts it, and the job selects the same node.
    expect(countRequestNodes(nodes, req({ nodes: ['02:00:00:00:01:02'] }))).to.equal(1);
    expect(findNodeIn(nodes, '0200.0000.0102')?.hostname).to.equal('node-02');
    expect(findNodeIn(nodes, '02:00:00:00:02:03')?.hostname).to.equal('node-03');
    expect(findNodeIn(nodes, '1')?.hostname).to.equal('node-01');
    expect([...(selectNodes(plan, [nodeMac(2, 1)]) ?? [])]).to.deep.equal([nodeMac(2)]);
  });

  it('counts the nodes a bootstrap covers: all but the management node by default, minus exclusions', () => {
    expect(countRequestNodes(nodes, req({}))).to.equal(3);
    expect(countRequestNodes(nodes, req({ exclude: ['node-02'] }))).to.equal(2);
    expect(countRequestNodes(nodes, req({ nodes: ['node-01', '02:00:00:00:00:02'], exclude: ['node-02'] }))).to.equal(1);
  });

  it('names every reference that is not a provisionable node, and refuses an empty job', () => {
    try {
      countRequestNodes(nodes, req({ nodes: ['node-01', 'node-00', 'ghost'] }));
      expect.fail('no error');
    } catch (e) {
      expect((e as ValidationError).problems.map((p) => [p.field, p.message])).to.deep.equal([
        ['nodes.1', '"node-00" is the management node, which racker does not provision'],
        ['nodes.2', '"ghost" is not a node in nodes.csv'],
      ]);
    }
    expect(() => countRequestNodes(nodes, req({ nodes: ['node-01'], exclude: ['node-01'] }))).to.throw(/leaves no node/);
  });
});
