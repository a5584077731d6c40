import { expect } from 'chai';
import fc from 'fast-check';
import { planAddresses, type PersistedPlan } from '../../../agent/inventory/address-plan.js';
import { parseSubnet, type Subnet } from '../../../agent/lib/ipv4.js';
import type { Mac } from '../../../agent/lib/mac.js';

const subnet = (cidr: string): Subnet => parseSubnet(cidr) as Subnet;
const mac = (i: number): Mac => `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` as Mac;
const macs = (from: number, n: number): Mac[] => Array.from({ length: n }, (_, i) => mac(from + i));

describe('address plan', () => {
  it('gives the management node the first address and numbers MACs in the given order after it', () => {
    const { plan } = planAddresses(subnet('172.24.213.0/24'), macs(1, 3), 16);
    expect(plan.managementAddress).to.equal('172.24.213.1');
    expect([...plan.byMac.values()]).to.deep.equal(['172.24.213.2', '172.24.213.3', '172.24.213.4']);
    expect(plan.discoveryPool).to.deep.equal({ first: '172.24.213.239', last: '172.24.213.254' });
  });

  it('never renumbers existing MACs when a row is added before them or removed', () => {
    const first = planAddresses(subnet('10.1.0.0/24'), [mac(10), mac(20), mac(30)], 0);
    const added = planAddresses(subnet('10.1.0.0/24'), [mac(5), mac(10), mac(20), mac(30)], 0, first.persisted);
    for (const m of [mac(10), mac(20), mac(30)]) expect(added.plan.byMac.get(m)).to.equal(first.plan.byMac.get(m));
    expect(added.plan.byMac.get(mac(5))).to.equal('10.1.0.5');
    const removed = planAddresses(subnet('10.1.0.0/24'), [mac(5), mac(30)], 0, added.persisted);
    expect(removed.plan.byMac.get(mac(30))).to.equal(first.plan.byMac.get(mac(30)));
    // A server that comes back gets its old address.
    const back = planAddresses(subnet('10.1.0.0/24'), [mac(5), mac(10), mac(30)], 0, removed.persisted);
    expect(back.plan.byMac.get(mac(10))).to.equal(first.plan.byMac.get(mac(10)));
  });

  it('reports whether anything changed, so the caller saves only then', () => {
    const a = planAddresses(subnet('10.1.0.0/24'), macs(1, 4), 0);
    expect(a.changed).to.equal(true);
    const b = planAddresses(subnet('10.1.0.0/24'), macs(1, 4), 0, a.persisted);
    expect(b.changed).to.equal(false);
  });

  it('reclaims addresses of removed MACs only when the subnet is otherwise full', () => {
    const s = subnet('10.1.0.0/28'); // 14 usable: 1 management + 13
    const full = planAddresses(s, macs(1, 13), 0);
    const swapped = planAddresses(s, [...macs(1, 12), mac(99)], 0, full.persisted);
    expect(swapped.plan.byMac.get(mac(99))).to.equal(full.plan.byMac.get(mac(13)));
  });

  it('fails clearly when the subnet is full', () => {
    expect(() => planAddresses(subnet('10.1.0.0/28'), macs(1, 14), 0)).to.throw(/the internal subnet 10\.1\.0\.0\/28 is full: 14 node and BMC MACs need an address, it has room for 13/);
    expect(() => planAddresses(subnet('10.1.0.0/28'), macs(1, 10), 4)).to.throw(/room for 9 \(after the management node and a discovery pool of 4\)/);
  });

  it('renumbers everything when the subnet changes, and says so', () => {
    const a = planAddresses(subnet('10.1.0.0/24'), macs(1, 2), 0);
    const b = planAddresses(subnet('10.2.0.0/24'), macs(1, 2), 0, a.persisted);
    expect(b.renumbered).to.equal(true);
    expect([...b.plan.byMac.values()]).to.deep.equal(['10.2.0.2', '10.2.0.3']);
  });

  it('property: addresses are unique, inside the subnet, outside the pool, and stable across random edits', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 60 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 60 }),
      (before, after) => {
        const s = subnet('172.24.213.0/24');
        const p1 = planAddresses(s, before.map(mac), 16);
        const p2 = planAddresses(s, after.map(mac), 16, p1.persisted);
        const values = [...p2.plan.byMac.values()];
        expect(new Set(values).size).to.equal(values.length);
        for (const v of values) {
          const last = Number(v.split('.')[3]);
          expect(v.startsWith('172.24.213.')).to.equal(true);
          expect(last).to.be.within(2, 238);
        }
        for (const m of after) if (before.includes(m)) expect(p2.plan.byMac.get(mac(m))).to.equal(p1.plan.byMac.get(mac(m)));
      }));
  });

  it('ignores persisted entries that no longer fit (hand edits, a grown pool)', () => {
    const prev: PersistedPlan = { version: 1, subnet: '10.1.0.0/24', assignments: { [mac(1)]: '10.1.0.250', [mac(2)]: '10.1.0.1', [mac(3)]: 'junk' } };
    const { plan } = planAddresses(subnet('10.1.0.0/24'), macs(1, 3), 16, prev);
    expect([...plan.byMac.values()]).to.deep.equal(['10.1.0.2', '10.1.0.3', '10.1.0.4']);
  });
});
