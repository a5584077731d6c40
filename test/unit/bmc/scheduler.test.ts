/** The fan-out limit and per-BMC serialisation. */
import { expect } from 'chai';
import { Semaphore, SerialQueue } from '../../../agent/bmc/scheduler.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('BMC scheduling', () => {
  it('never runs more than the limit at once', async () => {
    const sem = new Semaphore(3);
    let active = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 10 }, () => sem.run(async () => {
      active++;
      peak = Math.max(peak, active);
      await tick();
      active--;
    })));
    expect(peak).to.equal(3);
    expect(sem.inUse).to.equal(0);
  });

  it('releases the slot when a job fails', async () => {
    const sem = new Semaphore(1);
    await sem.run(() => Promise.reject(new Error('x'))).catch(() => undefined);
    expect(await sem.run(async () => 'ran')).to.equal('ran');
  });

  it('runs one job at a time in order, even after a failure', async () => {
    const q = new SerialQueue(0);
    const order: string[] = [];
    const a = q.run(async () => { await tick(); order.push('a'); });
    const b = q.run(async () => { order.push('b'); throw new Error('b'); });
    const c = q.run(async () => { order.push('c'); });
    await Promise.allSettled([a, b, c]);
    expect(order).to.deep.equal(['a', 'b', 'c']);
  });

  it('paces steps by the minimum interval', async () => {
    let now = 1000;
    const waits: number[] = [];
    const q = new SerialQueue(100, () => now, async (ms) => { waits.push(ms); now += ms; });
    await q.pace(); // first step: no wait
    now += 30;
    await q.pace(); // 30 ms later: waits the other 70
    now += 250;
    await q.pace(); // long after: no wait
    expect(waits).to.deep.equal([70]);
  });
});
