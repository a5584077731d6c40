import { expect } from 'chai';
import { ConnectionLimits, type Lease } from '../../../agent/boot/connection-limits.js';

/** A limiter whose drops are recorded and released the way the boot service releases them (on close). */
function limiter(maxConnections: number, maxPerClient: number) {
  const limits = new ConnectionLimits({ maxConnections, maxPerClient });
  const dropped: string[] = [];
  let n = 0;
  const admit = (address: string): Lease | undefined => {
    const name = `${address}#${++n}`;
    const lease = limits.admit(address, () => {
      dropped.push(name);
      if (lease !== undefined) limits.release(lease);
    });
    return lease;
  };
  return { limits, dropped, admit };
}

describe('boot connection limits (cap and fair share per client address)', () => {
  it('caps one address at its per-client limit by closing its own oldest connection', () => {
    const { limits, dropped, admit } = limiter(100, 3);
    for (let i = 0; i < 5; i++) expect(admit('10.0.0.9')).to.not.equal(undefined);
    expect(dropped).to.deep.equal(['10.0.0.9#1', '10.0.0.9#2']);
    expect(limits.counts()).to.include({ open: 3, clients: 1, largestShare: 3, evicted: 2, refused: 0 });
  });

  it('when full, the address holding the most gives up its oldest for a newcomer', () => {
    const { limits, dropped, admit } = limiter(10, 10);
    for (let i = 0; i < 10; i++) admit('10.0.0.66'); // a flood fills the service
    expect(admit('10.0.0.11')).to.not.equal(undefined); // a node still gets in
    expect(dropped).to.deep.equal(['10.0.0.66#1']);
    expect(limits.counts()).to.include({ open: 10, clients: 2, largestShare: 9 });
  });

  it('refuses an address that already holds as much as anyone when full', () => {
    const { limits, admit } = limiter(4, 4);
    for (const a of ['a', 'a', 'b', 'b']) admit(a);
    expect(admit('a')).to.equal(undefined);
    expect(limits.counts()).to.include({ open: 4, refused: 1, evicted: 0 });
    // A third address has less than the biggest holders, so one of them makes room.
    expect(admit('c')).to.not.equal(undefined);
    expect(limits.counts()).to.include({ open: 4, clients: 3, largestShare: 2, evicted: 1 });
  });

  it('many addresses flooding end with an equal share each, never more than the cap', () => {
    const { limits, admit } = limiter(64, 32);
    for (let round = 0; round < 50; round++) for (let a = 0; a < 20; a++) admit(`10.0.1.${a}`);
    const c = limits.counts();
    expect(c.open).to.equal(64);
    expect(c.clients).to.equal(20);
    expect(c.largestShare).to.be.at.most(4); // ⌈64 / 20⌉
    expect(admit('10.0.0.11')).to.not.equal(undefined);
  });

  it('a released connection frees its place; releasing twice changes nothing', () => {
    const { limits, admit } = limiter(2, 2);
    const l = admit('a') as Lease;
    admit('b');
    limits.release(l);
    limits.release(l);
    expect(limits.counts()).to.include({ open: 1, clients: 1 });
    expect(admit('c')).to.not.equal(undefined);
    expect(limits.counts()).to.include({ open: 2, refused: 0 });
  });
});
