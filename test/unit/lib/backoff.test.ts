import { expect } from 'chai';
import { withBackoff, backoffDelay, RestartBackoff } from '../../../agent/lib/backoff.js';

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
});
