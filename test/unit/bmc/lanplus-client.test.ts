/** The native client's session lifetime: idle close, and close() failing pending work at once. */
import { expect } from 'chai';
import { IpmiBmcClient, type IpmiClientOptions } from '../../../agent/bmc/ipmi/lanplus-client.js';
import type { DatagramTransport } from '../../../agent/bmc/ipmi/transport.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { FakeIpmiSession } from '../../lib/fake-ipmi-session.js';
import { FakeClock, flush } from '../../lib/fake-clock.js';

const target = { node: 'node-5', address: '10.0.0.15', port: 623, user: 'admin', password: 'hunter2-secret' };
const base: IpmiClientOptions = { cipherSuites: [3], timeoutMs: 1000, retries: 1, retransmitMs: 100, minCommandIntervalMs: 0, keepAliveMs: 0 };
const noNetwork: DatagramTransport = {
  register: () => () => undefined,
  send: () => Promise.reject(new Error('unit tests send nothing')),
};

function setup(o: Partial<IpmiClientOptions> = {}, fanout = new Semaphore(4)): { client: IpmiBmcClient; session: FakeIpmiSession; clock: FakeClock } {
  const session = new FakeIpmiSession();
  const clock = new FakeClock();
  const client = new IpmiBmcClient(target, { ...base, ...o }, { transport: noNetwork, fanout, log: silentLogger(), session, setTimer: (ms, fn) => clock.setTimer(ms, fn) });
  return { client, session, clock };
}

const MINUTE = 60_000;

describe('native IPMI client session lifetime', () => {
  it('closes a session on the BMC after idleCloseMs without operations; the next operation opens a new one', async () => {
    const { client, session, clock } = setup({ idleCloseMs: 5 * MINUTE });
    expect(await client.powerState()).to.equal('on');
    await clock.advance(5 * MINUTE - 1);
    expect(session.closes).to.equal(0);
    await clock.advance(1);
    expect([session.closes, session.isOpen]).to.deep.equal([1, false]);
    await client.powerState();
    expect([session.opens, session.isOpen]).to.deep.equal([2, true]);
  });

  it('counts the idle time from the last operation', async () => {
    const { client, session, clock } = setup({ idleCloseMs: 5 * MINUTE });
    await client.powerState();
    await clock.advance(4 * MINUTE);
    await client.powerState();
    await clock.advance(4 * MINUTE);
    expect(session.closes).to.equal(0);
    await clock.advance(MINUTE);
    expect(session.closes).to.equal(1);
  });

  it('does not count keep-alives as use', async () => {
    const { client, session, clock } = setup({ idleCloseMs: 5 * MINUTE, keepAliveMs: MINUTE });
    await client.powerState();
    await clock.advance(5 * MINUTE);
    expect(session.steps.filter((s) => s === 'keep-alive').length).to.be.greaterThan(0);
    expect(session.closes).to.equal(1);
    await clock.advance(10 * MINUTE);
    expect(session.steps.filter((s) => s === 'keep-alive').length, 'no keep-alives for a closed session').to.equal(4);
  });

  it('keeps the session when idleCloseMs is 0', async () => {
    const { client, session, clock } = setup({ idleCloseMs: 0 });
    await client.powerState();
    await clock.advance(24 * 60 * MINUTE);
    expect([session.closes, session.isOpen]).to.deep.equal([0, true]);
  });

  it('close() fails the operation waiting for an answer and the queued ones at once, with a clear error', async () => {
    const { client, session } = setup();
    await client.powerState();
    session.hold = true;
    const pending = [client.powerState(), client.powerOn(), client.bootFlags()];
    await flush();
    expect(session.waiting, 'one command in flight, the rest queued').to.equal(1);
    const closed = client.close();
    const results = await Promise.allSettled(pending);
    for (const r of results) {
      expect(r.status).to.equal('rejected');
      expect(String((r as PromiseRejectedResult).reason)).to.match(/node node-5: BMC 10\.0\.0\.15: operation: cancelled: the BMC client was closed/);
    }
    await closed;
    expect(session.steps.filter((s) => s !== 'get chassis status').length, 'queued operations never reached the BMC').to.equal(0);
    expect(session.closes).to.equal(1);
    await client.powerState().then(() => expect.fail('a closed client must refuse'), (e: Error) => expect(e.message).to.match(/cancelled/));
  });

  it('close() also ends a wait for a fan-out slot held by another BMC', async () => {
    const fanout = new Semaphore(1);
    const busy = setup({}, fanout);
    const waiting = setup({}, fanout);
    busy.session.hold = true;
    const holding = busy.client.powerState();
    await flush();
    const queued = waiting.client.powerState();
    await flush();
    await waiting.client.close();
    const r = await Promise.allSettled([queued]);
    expect(r[0].status).to.equal('rejected');
    expect(waiting.session.opens, 'never got a slot').to.equal(0);
    expect(fanout.inUse).to.equal(1);
    await busy.client.close();
    await holding.catch(() => undefined);
    expect(fanout.inUse).to.equal(0);
  });

  it('drops an operation whose caller gave up while it waited for the BMC\'s turn (polls of a dead BMC do not pile up)', async () => {
    const { client, session } = setup();
    await client.powerState();
    session.hold = true;
    const first = client.powerState();
    await flush();
    const gaveUp = new AbortController();
    const late = client.powerState(gaveUp.signal);
    await flush();
    gaveUp.abort(new Error('poll deadline passed'));
    session.interrupt(new Error('no answer'));
    const [a, b] = await Promise.allSettled([first, late]);
    expect(a.status).to.equal('rejected');
    expect(b.status === 'rejected' && String(b.reason)).to.equal('Error: poll deadline passed');
    expect(session.steps.filter((s) => s === 'get chassis status'), 'the abandoned query never reached the BMC').to.have.length(2);
    await client.powerState(AbortSignal.abort(new Error('already late'))).then(() => expect.fail('must refuse'), (e: Error) => expect(e.message).to.equal('already late'));
  });

  it('operations queued behind a slow BMC hold no fan-out slot that another BMC needs', async () => {
    const fanout = new Semaphore(2);
    const slow = setup({}, fanout);
    const other = setup({}, fanout);
    slow.session.hold = true;
    const queued = [slow.client.powerState(), slow.client.powerState(), slow.client.powerState()];
    await flush();
    expect(fanout.inUse, 'only the operation talking to the slow BMC holds a slot').to.equal(1);
    expect(await other.client.powerState()).to.equal('on');
    await slow.client.close();
    await Promise.allSettled(queued);
    expect(fanout.inUse).to.equal(0);
  });
});

describe('native IPMI client: mc reset', () => {
  it('sends the reset, forgets the session the BMC forgets with it, and opens a new one for the next operation', async () => {
    const { client, session } = setup();
    expect(await client.mcReset('cold')).to.deep.equal({ answered: true });
    expect(session.steps).to.deep.equal(['cold reset of the BMC']);
    expect(session.isOpen).to.equal(false);
    await client.powerState();
    expect(session.opens).to.equal(2);
  });
});
