import { expect } from 'chai';
import { diffLeases, parseLeases, type Lease } from '../../../agent/dhcp/leases.js';
import { mac } from '../../lib/dhcp-plan.js';

describe('dhcp/leases', () => {
  // The format dnsmasq 2.90 writes (recorded), plus the DHCPv6 duid line it adds when v6 is on.
  const FILE = [
    '1795264640 00:11:22:33:44:99 172.24.213.245 stranger *',
    '1795267897 00:11:22:33:44:10 172.24.213.2 node-01 01:00:11:22:33:44:10',
    '0 00:11:22:33:44:11 172.24.213.4 * *',
    'duid 00:01:00:01:2c:aa:bb:cc:00:11:22:33:44:55',
    'garbage',
    '',
  ].join('\n');

  it('parses IPv4 leases and skips everything else', () => {
    expect(parseLeases(FILE)).to.deep.equal([
      { mac: mac('00:11:22:33:44:99'), ip: '172.24.213.245', hostname: 'stranger', expiresAt: 1795264640_000 },
      { mac: mac('00:11:22:33:44:10'), ip: '172.24.213.2', hostname: 'node-01', expiresAt: 1795267897_000 },
      { mac: mac('00:11:22:33:44:11'), ip: '172.24.213.4', hostname: undefined, expiresAt: undefined },
    ]);
  });

  it('reports added, renewed, changed and removed leases', () => {
    const a: Lease = { mac: mac('00:11:22:33:44:10'), ip: '172.24.213.2', hostname: 'node-01', expiresAt: 1000 };
    const b: Lease = { mac: mac('00:11:22:33:44:20'), ip: '172.24.213.3', hostname: undefined, expiresAt: 1000 };
    const c: Lease = { mac: mac('00:11:22:33:44:30'), ip: '172.24.213.6', hostname: undefined, expiresAt: 1000 };
    const after = [{ ...a, expiresAt: 2000 }, { ...b, ip: '172.24.213.9' }, { ...c, hostname: 'x' }];
    expect(diffLeases([a, b], [a])).to.deep.equal([{ type: 'lease', change: 'removed', lease: b }]);
    expect(diffLeases([], [a])).to.deep.equal([{ type: 'lease', change: 'added', lease: a }]);
    expect(diffLeases([a, b], after).map((e) => [e.change, e.lease.mac])).to.deep.equal([
      ['renewed', a.mac], ['changed', b.mac], ['added', c.mac],
    ]);
    expect(diffLeases([a], [a])).to.deep.equal([]);
  });
});
