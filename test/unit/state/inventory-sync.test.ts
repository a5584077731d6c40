import { expect } from 'chai';
import { applyInventory, type InventoryNode } from '../../../agent/state/inventory-sync.js';

const node = (i: number, extra: Partial<InventoryNode> = {}): InventoryNode => ({
  primaryMac: `02:00:00:00:00:0${i}`, bmcMac: `02:00:00:00:01:0${i}`, secondaryMac: `02:00:00:00:02:0${i}`,
  nodeType: 'purple', row: i, hostname: `node-0${i}`, address: `10.0.0.${i + 1}`, bmcAddress: `10.0.0.${i + 100}`, isManagement: i === 0, ...extra,
});
const T0 = '2030-01-01T00:00:00.000Z';
const T1 = '2030-01-02T00:00:00.000Z';

describe('state/inventory-sync', () => {
  it('creates records for new rows: phase new (management for the management node), power and BMC unknown', () => {
    const r = applyInventory({}, [node(0, { address: undefined, bmcAddress: undefined }), node(1)], () => 'ipmi', T0);
    expect(r.added).to.deep.equal(['02:00:00:00:00:00', '02:00:00:00:00:01']);
    expect(r.changed).to.equal(true);
    const n1 = r.nodes['02:00:00:00:00:01'];
    expect(n1?.phase).to.deep.equal({ name: 'new', since: T0, history: [] });
    expect(n1?.power).to.deep.equal({ state: 'unknown' });
    expect(n1?.bmc).to.deep.equal({ reachable: null, failures: 0, mac: '02:00:00:00:01:01', address: '10.0.0.101', driver: 'ipmi' });
    expect(r.nodes['02:00:00:00:00:00']?.phase.name).to.equal('management');
    expect(r.nodes['02:00:00:00:00:00']?.role).to.equal('management');
  });

  it('keeps phase, power and BMC observations; follows identity changes; reports no change when nothing changed', () => {
    const first = applyInventory({}, [node(1)], () => 'ipmi', T0).nodes;
    const rec = first['02:00:00:00:00:01'];
    if (rec === undefined) throw new Error('missing');
    rec.phase = { name: 'provisioned', since: T0, history: [{ name: 'provisioned', at: T0 }] };
    rec.power = { state: 'on', since: T0, checkedAt: T0 };
    rec.bmc = { ...rec.bmc, reachable: true, lastSeen: T0 };
    rec.role = 'controller';
    expect(applyInventory(first, [node(1)], () => 'ipmi', T1).changed).to.equal(false);
    const renamed = applyInventory(first, [node(1, { hostname: 'node-09', row: 9 })], () => 'ipmi', T1);
    expect(renamed.changed).to.equal(true);
    const after = renamed.nodes['02:00:00:00:00:01'];
    expect(after?.hostname).to.equal('node-09');
    expect(after?.phase.name).to.equal('provisioned');
    expect(after?.power.state).to.equal('on');
    expect(after?.role).to.equal('controller');
    expect(after?.bmc.reachable).to.equal(true);
  });

  it('forgets BMC reachability when the BMC changed, and drops the records of rows that left nodes.csv', () => {
    const first = applyInventory({}, [node(1), node(2)], () => 'ipmi', T0).nodes;
    (first['02:00:00:00:00:01'] as { bmc: { reachable: boolean | null } }).bmc.reachable = true;
    const r = applyInventory(first, [node(1, { bmcAddress: '10.0.0.200' })], () => 'redfish', T1);
    expect(r.removed.map((n) => n.mac)).to.deep.equal(['02:00:00:00:00:02']);
    expect(r.nodes).to.not.have.property('02:00:00:00:00:02');
    expect(r.nodes['02:00:00:00:00:01']?.bmc).to.include({ reachable: null, address: '10.0.0.200', driver: 'redfish' });
    expect(applyInventory(r.nodes, [node(1, { bmcAddress: '10.0.0.200' })], () => 'redfish', T1).removed).to.deep.equal([]);
  });

  it('a row whose MACs changed is a new server replacing the old one: the old record goes, the new one starts at new', () => {
    const first = applyInventory({}, [node(1), node(2)], () => 'ipmi', T0).nodes;
    const swapped = node(2, { primaryMac: '02:00:00:00:00:09', bmcMac: '02:00:00:00:01:09', secondaryMac: '02:00:00:00:02:09' });
    const r = applyInventory(first, [node(1), swapped], () => 'ipmi', T1);
    expect(r.added).to.deep.equal(['02:00:00:00:00:09']);
    expect(r.removed.map((n) => n.mac)).to.deep.equal(['02:00:00:00:00:02']);
    expect(r.replaces.get('02:00:00:00:00:09')?.mac).to.equal('02:00:00:00:00:02');
    expect(Object.keys(r.nodes).sort()).to.deep.equal(['02:00:00:00:00:01', '02:00:00:00:00:09']);
    expect(r.nodes['02:00:00:00:00:09']?.phase.name).to.equal('new');
  });
});
