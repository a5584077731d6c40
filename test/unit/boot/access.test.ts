import { expect } from 'chai';
import { ReservationAccessPolicy, plainClientIp } from '../../../agent/boot/node-access.js';
import { NodeTokens } from '../../../agent/boot/phone-home.js';
import type { Group } from '../../../agent/boot/select.js';

const g = (selector: Record<string, string>): Group => ({ key: 'k', id: 'g', name: '', profile: 'p', selector, metadata: undefined });

describe('boot node access and phone-home tokens', () => {
  const reservations = new Map([['52:54:00:00:00:01', '10.0.0.11'], ['52:54:00:00:00:02', '10.0.0.12']]);
  const policy = new ReservationAccessPolicy((mac) => reservations.get(mac));

  const table: [string | undefined, Record<string, string>, string, boolean][] = [
    ['52:54:00:00:00:01', { mac: '52:54:00:00:00:01' }, '10.0.0.11', true],
    ['52:54:00:00:00:01', { mac: '52:54:00:00:00:01' }, '10.0.0.12', false], // another node asking for node 1's config
    [undefined, { mac: '52:54:00:00:00:01' }, '10.0.0.99', false], // cannot happen via selection, still refused
    ['52:54:00:00:00:01', {}, '10.0.0.12', false], // default group, but the request names node 1
    ['52:54:00:00:00:01', {}, '10.0.0.11', true],
    [undefined, {}, '10.0.0.99', true], // default group, anonymous request
    ['52:54:00:00:00:99', {}, '10.0.0.99', true], // unknown MAC (discovery) on the default group
    ['52:54:00:00:00:99', { mac: '52:54:00:00:00:99' }, '10.0.0.99', false], // MAC group without reservation: fail closed
  ];
  for (const [mac, selector, ip, allowed] of table) {
    it(`mac=${mac} group ${JSON.stringify(selector)} from ${ip} → ${allowed ? 'allowed' : 'refused'}`, () => {
      expect(policy.check(mac, g(selector), ip).allowed).to.equal(allowed);
    });
  }

  it('strips the IPv4-mapped prefix', () => {
    expect(plainClientIp('::ffff:10.0.0.11')).to.equal('10.0.0.11');
    expect(plainClientIp('::1')).to.equal('::1');
  });

  it('verifies tokens per MAC, refuses unknown MACs and short tokens', () => {
    const t = new NodeTokens();
    t.set('52-54-00-00-00-01', 'a-long-enough-token-1');
    expect(t.verify('52:54:00:00:00:01', 'a-long-enough-token-1')).to.equal(true);
    expect(t.verify('52:54:00:00:00:01', 'a-long-enough-token-2')).to.equal(false);
    expect(t.verify('52:54:00:00:00:02', 'a-long-enough-token-1')).to.equal(false);
    expect(() => t.set('52:54:00:00:00:03', 'short')).to.throw(/too short/);
    expect(() => t.set('nope', 'a-long-enough-token-1')).to.throw(/not a MAC/);
    t.delete('52:54:00:00:00:01');
    expect(t.verify('52:54:00:00:00:01', 'a-long-enough-token-1')).to.equal(false);
  });
});
