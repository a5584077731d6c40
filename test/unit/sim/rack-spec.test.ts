import { expect } from 'chai';
import { parseNodesCsv } from '../../../agent/inventory/nodes-csv.js';
import { isMulticastMac } from '../../../agent/lib/mac.js';
import { findSimNode, rackSpec, renderNodesCsv, simMac } from '../../../sim/rack-spec.js';

describe('sim/rack-spec', () => {
  it('gives locally administered unicast MACs that depend on the rack name and nothing else', () => {
    const a = simMac('rack', 'bmc', 3);
    expect(a).to.match(/^02:[0-9a-f]{2}:[0-9a-f]{2}:01:00:03$/);
    expect(isMulticastMac(a)).to.equal(false);
    expect(simMac('rack', 'bmc', 3)).to.equal(a);
    expect(simMac('other', 'bmc', 3)).to.not.equal(a);
  });

  it('names nodes as racker does and gives every MAC once', () => {
    const s = rackSpec('rack', 3);
    expect(s.nodes.map((n) => n.name)).to.deep.equal(['node-02', 'node-03', 'node-04']);
    const macs = [s.mgmt.primaryMac, s.mgmt.bmcMac, s.mgmt.secondaryMac, ...s.nodes.flatMap((n) => [n.primaryMac, n.bmcMac, n.secondaryMac])];
    expect(new Set(macs).size).to.equal(macs.length);
    expect(s.netns).to.equal('racker-sim-rack');
    expect(s.mgmtNetns).to.equal('racker-sim-rack-mgmt');
  });

  it('puts BMCs where racker\'s address plan puts them on a fresh rack (primaries first, then BMCs)', () => {
    const s = rackSpec('rack', 3);
    expect(s.managementAddress).to.equal('172.24.213.1');
    expect(s.nodes.map((n) => n.address)).to.deep.equal(['172.24.213.2', '172.24.213.3', '172.24.213.4']);
    expect(s.nodes.map((n) => n.bmcAddress)).to.deep.equal(['172.24.213.5', '172.24.213.6', '172.24.213.7']);
  });

  it('grows the subnet for large racks and keeps every address in it', () => {
    const s = rackSpec('big', 300);
    expect(s.subnet.cidr).to.equal('172.24.208.0/22');
    expect(new Set(s.nodes.map((n) => n.bmcAddress)).size).to.equal(300);
  });

  it('writes a nodes.csv that racker parses, management node first', () => {
    const s = rackSpec('rack', 2);
    const parsed = parseNodesCsv(renderNodesCsv(s), 'nodes.csv');
    expect(parsed.problems).to.deep.equal([]);
    expect(parsed.nodes.map((n) => n.primaryMac)).to.deep.equal([s.mgmt.primaryMac, ...s.nodes.map((n) => n.primaryMac)]);
    expect(parsed.nodes[0]?.secondaryMac).to.equal(s.mgmt.secondaryMac);
  });

  it('keeps interface names within the kernel\'s 15 characters', () => {
    const s = rackSpec('a-long-rack-name-20c', 999);
    for (const n of s.nodes) for (const i of [n.tap, n.publicTap, n.bmcIface, n.bmcPeer]) expect(i.length).to.be.at.most(15);
  });

  it('finds a node by name, row or any of its MACs', () => {
    const s = rackSpec('rack', 3);
    const n = s.nodes[1];
    expect(findSimNode(s, 'node-03')).to.equal(n);
    expect(findSimNode(s, '3')).to.equal(n);
    expect(findSimNode(s, n?.bmcMac.toUpperCase().replace(/:/g, '-') ?? '')).to.equal(n);
    expect(findSimNode(s, 'node-09')).to.equal(undefined);
  });

  it('refuses bad names and counts', () => {
    expect(() => rackSpec('Bad Name', 3)).to.throw(/not valid/);
    expect(() => rackSpec('rack', 0)).to.throw(/--nodes/);
    expect(() => rackSpec('rack', 2.5)).to.throw(/--nodes/);
  });
});
