import { expect } from 'chai';
import { withBackoff, backoffDelay, RestartBackoff, waitUntil } from '../../../agent/lib/backoff.js';

const fakeSleep = (log: number[]) => async (ms: number): Promise<void> => { log.push(ms); };

describe('backoff', () => {
  it('grows exponentially up to the maximum, without jitter', () => {
    const o = { minDelayMs: 100, maxDelayMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitter only shortens the delay', () => {
    expect(backoffDelay(1, { minDelayMs: 100, maxDelayMs: 1000, jitter: 1 }, () => 0.25)).to.equal(75);
  });

  it('retries until success and reports every retry', async () => {
    const waits: number[] = [];
    const retries: number[] = [];
    let calls = 0;
    const result = await withBackoff(async () => {
      calls++;
      if (calls < 3) throw new Error(`fail ${calls}`);
      return 'ok';
    }, { minDelayMs: 10, maxDelayMs: 100, maxRetries: 5, jitter: 0, sleep: fakeSleep(waits), onRetry: (_e, attempt) => retries.push(attempt) });
    expect(result).to.equal('ok');
    expect(waits).to.deep.equal([10, 20]);
    expect(retries).to.deep.equal([1, 2]);
  });

  it('gives up after maxRetries with the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const err = await withBackoff(async () => { calls++; throw new Error(`fail ${calls}`); },
      { minDelayMs: 1, maxDelayMs: 1, maxRetries: 2, sleep: fakeSleep(waits) }).catch((e: Error) => e);
    expect((err).message).to.equal('fail 3');
    expect(waits).to.have.length(2);
  });

  it('does not retry permanent errors (a wrong password must not lock the BMC account)', async () => {
    let calls = 0;
    const err = await withBackoff(async () => { calls++; throw Object.assign(new Error('auth'), { permanent: true }); },
      { minDelayMs: 1, maxDelayMs: 1, maxRetries: 5, sleep: fakeSleep([]) }).catch((e: Error) => e);
    expect((err).message).to.equal('auth');
    expect(calls).to.equal(1);
  });

  it('honours a retry-after hint, capped at the maximum', async () => {
    const waits: number[] = [];
    let calls = 0;
    await withBackoff(async () => { if (++calls < 3) throw Object.assign(new Error('busy'), { retryAfterMs: calls === 1 ? 50 : 5000 }); },
      { minDelayMs: 1, maxDelayMs: 1000, maxRetries: 5, sleep: fakeSleep(waits) });
    expect(waits).to.deep.equal([50, 1000]);
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    let calls = 0;
    const err = await withBackoff(async () => { calls++; ac.abort(new Error('stopping')); throw new Error('x'); },
      { minDelayMs: 1, maxDelayMs: 1, maxRetries: 5, signal: ac.signal, sleep: fakeSleep([]) }).catch((e: Error) => e);
    expect(calls).to.equal(1);
    expect((err).message).to.equal('x');
  });

  it('RestartBackoff: grows with crashes in a row, starts over after a stable run or a requested restart', () => {
    const r = new RestartBackoff({ minDelayMs: 100, maxDelayMs: 1000, stableMs: 60_000, jitter: 0 });
    expect([r.crashed(10), r.crashed(10), r.crashed(10)]).to.deep.equal([{ attempt: 1, delayMs: 100 }, { attempt: 2, delayMs: 200 }, { attempt: 3, delayMs: 400 }]);
    expect(r.crashed(60_000)).to.deep.equal({ attempt: 1, delayMs: 100 });
    r.crashed(10);
    r.reset();
    expect(r.crashed(10)).to.deep.equal({ attempt: 1, delayMs: 100 });
    expect(Array.from({ length: 5 }, () => r.crashed(10).delayMs).pop()).to.equal(1000);
  });

  describe('waitUntil', () => {
    it('checks at a steady interval until the check gives a value', async () => {
      const waits: number[] = [];
      const seen: number[] = [];
      expect(await waitUntil(async (a) => { seen.push(a); return a === 3 ? 'up' : undefined; }, { intervalMs: 100, attempts: 10, sleep: fakeSleep(waits) })).to.equal('up');
      expect([seen, waits]).to.deep.equal([[0, 1, 2, 3], [100, 100, 100]]);
    });

    it('gives undefined once the attempts or the time run out', async () => {
      const waits: number[] = [];
      expect(await waitUntil(() => undefined, { intervalMs: 50, attempts: 3, sleep: fakeSleep(waits) })).to.equal(undefined);
      expect(waits).to.deep.equal([50, 50]);
      let t = 0;
      let checks = 0;
      expect(await waitUntil(() => { checks++; return undefined; }, { intervalMs: 10, timeoutMs: 25, now: () => t, sleep: async (ms) => { t += ms; } })).to.equal(undefined);
      expect(checks).to.equal(4); // at 0, 10, 20 and 30 ms: none after the deadline has passed
    });

    it('ends at once when the check throws, or when the signal aborts', async () => {
      let checks = 0;
      const err = await waitUntil(() => { checks++; throw new Error('the process exited'); }, { intervalMs: 10, attempts: 5, sleep: async () => undefined }).catch((e: unknown) => e);
      expect([(err as Error).message, checks]).to.deep.equal(['the process exited', 1]);
      const stop = new AbortController();
      const aborted = await waitUntil(() => { stop.abort(new Error('stopping')); return undefined; }, { intervalMs: 10, signal: stop.signal }).catch((e: unknown) => e);
      expect((aborted as Error).message).to.equal('stopping');
    });
  });
});
