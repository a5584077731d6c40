import { expect } from 'chai';
import fc from 'fast-check';
import { parseIpv4, formatIpv4, parseSubnet, netmask, broadcastAddress, type Subnet } from '../../../agent/lib/ipv4.js';

describe('IPv4', () => {
  it('round-trips every address', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
      expect(parseIpv4(formatIpv4(n))).to.equal(n);
    }));
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'a.b.c.d', '']) expect(parseIpv4(bad), bad).to.equal(undefined);
  });

  it('parses subnets', () => {
    const s = parseSubnet('172.24.213.0/24') as Subnet;
    expect(s.cidr).to.equal('172.24.213.0/24');
    expect(netmask(s)).to.equal('255.255.255.0');
    expect(formatIpv4(broadcastAddress(s))).to.equal('172.24.213.255');
    expect(parseSubnet('10.0.0.0/33')).to.be.a('string');
    expect(parseSubnet('nonsense')).to.match(/not an IPv4 prefix/);
  });
});
