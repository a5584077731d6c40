import { expect } from 'chai';
import { SdNotifier, formatNotifyMessage } from '../../../agent/daemon/sd-notify.js';
import { notifySocketAddress } from '../../../agent/daemon/notify-socket.js';
import { RackerError, ErrorCodes } from '../../../agent/lib/errors.js';
import { captureLog } from '../../lib/capture-log.js';

function recorder(): { sent: { address: Buffer; payload: string }[]; send: (a: Buffer, p: Buffer) => void } {
  const sent: { address: Buffer; payload: string }[] = [];
  return { sent, send: (address, payload) => { sent.push({ address, payload: payload.toString() }); } };
}

describe('daemon/sd-notify', () => {
  it('sends nothing when NOTIFY_SOCKET is unset or empty', () => {
    for (const env of [{}, { NOTIFY_SOCKET: '' }]) {
      const r = recorder();
      const n = new SdNotifier({ env, log: captureLog().log, send: r.send });
      n.ready('up');
      n.status('x');
      n.watchdog();
      n.stopping();
      expect(n.enabled).to.equal(false);
      expect(n.watchdogIntervalMs()).to.equal(undefined);
      expect(r.sent).to.deep.equal([]);
    }
  });

  it('maps path and abstract addresses to raw socket addresses', () => {
    expect(notifySocketAddress('/run/systemd/notify')).to.deep.equal(Buffer.from('/run/systemd/notify'));
    expect(notifySocketAddress('@/org/freedesktop/systemd1/notify/123')).to.deep.equal(Buffer.concat([Buffer.from([0]), Buffer.from('/org/freedesktop/systemd1/notify/123')]));
    expect(notifySocketAddress('relative/path')).to.equal(undefined);
    expect(notifySocketAddress('@')).to.equal(undefined);
    expect(notifySocketAddress('vsock:2:1234')).to.equal(undefined);
  });

  it('warns about an unusable NOTIFY_SOCKET and stays silent', () => {
    const r = recorder();
    const cap = captureLog();
    const n = new SdNotifier({ env: { NOTIFY_SOCKET: 'vsock:2:1' }, log: cap.log, send: r.send });
    n.ready();
    expect(n.enabled).to.equal(false);
    expect(r.sent).to.deep.equal([]);
    expect(cap.lines.some((l) => l.level === 'warn' && /NOTIFY_SOCKET/.test(l.msg))).to.equal(true);
  });

  it('sends READY, STATUS, RELOADING with MONOTONIC_USEC, STOPPING and WATCHDOG in the protocol format', () => {
    const r = recorder();
    const n = new SdNotifier({ env: { NOTIFY_SOCKET: '@notify' }, log: captureLog().log, send: r.send, monotonicUsec: () => 42n });
    n.ready('3 nodes');
    n.reloading('reloading');
    n.ready();
    n.watchdog();
    n.stopping('stopping');
    expect(r.sent.map((s) => s.payload)).to.deep.equal([
      'READY=1\nSTATUS=3 nodes\n',
      'RELOADING=1\nMONOTONIC_USEC=42\nSTATUS=reloading\n',
      'READY=1\n',
      'WATCHDOG=1\n',
      'STOPPING=1\nSTATUS=stopping\n',
    ]);
    expect(r.sent[0]?.address[0]).to.equal(0);
  });

  it('does not repeat an unchanged STATUS and keeps values on one line', () => {
    const r = recorder();
    const n = new SdNotifier({ env: { NOTIFY_SOCKET: '/x' }, log: captureLog().log, send: r.send });
    n.status('a');
    n.status('a');
    n.status('b\nc');
    expect(r.sent.map((s) => s.payload)).to.deep.equal(['STATUS=a\n', 'STATUS=b c\n']);
    expect(formatNotifyMessage({ STATUS: 'x\r\ny' })).to.equal('STATUS=x y\n');
  });

  it('pings at half of WATCHDOG_USEC, only for the process WATCHDOG_PID names', () => {
    const mk = (env: Record<string, string>): SdNotifier => new SdNotifier({ env: { NOTIFY_SOCKET: '/x', ...env }, log: captureLog().log, send: () => undefined, pid: 100 });
    expect(mk({ WATCHDOG_USEC: '30000000' }).watchdogIntervalMs()).to.equal(15_000);
    expect(mk({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '100' }).watchdogIntervalMs()).to.equal(15_000);
    expect(mk({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '101' }).watchdogIntervalMs()).to.equal(undefined);
    expect(mk({ WATCHDOG_USEC: '0' }).watchdogIntervalMs()).to.equal(undefined);
    expect(mk({ WATCHDOG_USEC: 'soon' }).watchdogIntervalMs()).to.equal(undefined);
    expect(mk({}).watchdogIntervalMs()).to.equal(undefined);
  });

  it('logs a failed send and never throws', () => {
    const cap = captureLog();
    const n = new SdNotifier({ env: { NOTIFY_SOCKET: '/x' }, log: cap.log, send: () => { throw new RackerError(ErrorCodes.io, 'cannot send to the notify socket: ENOENT'); } });
    expect(() => n.ready()).not.to.throw();
    expect(cap.lines.some((l) => l.level === 'warn' && l.msg === 'could not notify systemd')).to.equal(true);
  });

  it('retries when the socket buffer is full (EAGAIN)', async () => {
    let calls = 0;
    const delivered: string[] = [];
    const send = (_a: Buffer, p: Buffer): void => {
      calls += 1;
      if (calls < 3) throw Object.assign(new RackerError(ErrorCodes.io, 'EAGAIN'), { errno: 'EAGAIN' });
      delivered.push(p.toString());
    };
    const n = new SdNotifier({ env: { NOTIFY_SOCKET: '/x' }, log: captureLog().log, send });
    n.ready();
    await new Promise((r) => setTimeout(r, 100));
    expect(delivered).to.deep.equal(['READY=1\n']);
  });
});
