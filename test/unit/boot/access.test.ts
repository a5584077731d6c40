import { expect } from 'chai';
import { ReservationAccessPolicy, plainClientIp } from '../../../agent/boot/node-access.js';
import { NodeTokens, PhoneHomeError } from '../../../agent/boot/phone-home.js';
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

  const grant = { address: '10.0.0.11', expiresAt: 10_000 };
  const refusal = (fn: () => void): number | undefined => {
    try {
      fn();
      return undefined;
    } catch (e) {
      if (!(e instanceof PhoneHomeError)) throw e;
      return e.status;
    }
  };

  it('checks tokens per MAC, refuses unknown MACs and short tokens', () => {
    const t = new NodeTokens();
    t.set('52-54-00-00-00-01', 'a-long-enough-token-1', grant);
    expect(refusal(() => t.check('52:54:00:00:00:01', 'a-long-enough-token-1', '10.0.0.11', 'installed', 0))).to.equal(undefined);
    expect(refusal(() => t.check('52:54:00:00:00:01', 'a-long-enough-token-2', '10.0.0.11', 'installed', 0))).to.equal(401);
    expect(refusal(() => t.check('52:54:00:00:00:02', 'a-long-enough-token-1', '10.0.0.11', 'installed', 0))).to.equal(401);
    expect(() => t.set('52:54:00:00:00:03', 'short', grant)).to.throw(/too short/);
    expect(() => t.set('nope', 'a-long-enough-token-1', grant)).to.throw(/not a MAC/);
    t.delete('52:54:00:00:00:01');
    expect(refusal(() => t.check('52:54:00:00:00:01', 'a-long-enough-token-1', '10.0.0.11', 'installed', 0))).to.equal(401);
  });

  it('refuses a token after it expires, from another address, and a report it made already', () => {
    const t = new NodeTokens();
    const mac = '52:54:00:00:00:01';
    t.set(mac, 'a-long-enough-token-1', grant);
    expect(refusal(() => t.check(mac, 'a-long-enough-token-1', '10.0.0.11', 'ready', 10_000))).to.equal(401);
    expect(refusal(() => t.check(mac, 'a-long-enough-token-1', '10.0.0.12', 'ready', 0))).to.equal(403);
    expect(t.consume(mac, 'ready')).to.equal(true);
    expect(t.consume(mac, 'ready')).to.equal(false);
    expect(refusal(() => t.check(mac, 'a-long-enough-token-1', '10.0.0.11', 'ready', 0))).to.equal(409);
    // failed may come again (with another reason); joined once too.
    expect(t.consume(mac, 'failed') && t.consume(mac, 'failed')).to.equal(true);
    expect(refusal(() => t.check(mac, 'a-long-enough-token-1', '10.0.0.11', 'failed', 0))).to.equal(undefined);
    expect(refusal(() => t.check(mac, 'a-long-enough-token-1', '10.0.0.11', 'joined', 0))).to.equal(undefined);
  });
});
