import { expect } from 'chai';
import { findManagementNode } from '../../../agent/inventory/management-node.js';
import { parseNodesCsv, NODES_CSV_HEADER } from '../../../agent/inventory/nodes-csv.js';
import type { LocalInterface } from '../../../agent/inventory/local-interfaces.js';
import type { Mac } from '../../../agent/lib/mac.js';

const { nodes } = parseNodesCsv(`${NODES_CSV_HEADER}
00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, management node
00:11:22:33:44:10, 00:11:22:33:44:11, 00:11:22:33:44:40, worker, has 52:54:00:aa:bb:cc in a comment
`, 'f');
const iface = (name: string, mac: string, physical = true): LocalInterface => ({ name, mac: mac as Mac, physical });

describe('management node detection', () => {
  it('finds the one row with a local MAC and its PXE interface by secondary MAC', () => {
    const r = findManagementNode(nodes, [iface('eth0', '52:54:00:aa:bb:cc'), iface('eth1', '00:11:22:33:44:30')], 'f');
    expect(r.problems).to.deep.equal([]);
    expect(r.management?.node.line).to.equal(2);
    expect(r.management?.pxeInterface).to.equal('eth1');
  });

  it('compares exactly: a local MAC inside a comment does not make a row the management node', () => {
    const r = findManagementNode(nodes, [iface('eth0', '52:54:00:aa:bb:cc')], 'f');
    expect(r.management).to.equal(undefined);
    expect(r.problems[0]?.message).to.equal('no row holds a MAC of this machine (local interfaces: eth0 52:54:00:aa:bb:cc)');
  });

  it('rejects several matching rows', () => {
    const r = findManagementNode(nodes, [iface('eth1', '00:11:22:33:44:30'), iface('eth2', '00:11:22:33:44:40')], 'f');
    expect(r.problems[0]?.message).to.match(/^2 rows \(lines 2, 3\) hold MACs of this machine/);
  });

  it('requires the secondary MAC to be a local interface', () => {
    const r = findManagementNode(nodes, [iface('eth0', '00:11:22:33:44:00')], 'f');
    expect(r.problems[0]).to.deep.include({ line: 2, field: 'Secondary MAC address' });
    expect(r.problems[0]?.message).to.match(/secondary MAC 00:11:22:33:44:30 is not on any local interface/);
  });
});
