import { expect } from 'chai';
import { HealthMonitor, Watchdog } from '../../../agent/daemon/health.js';
import { SdNotifier } from '../../../agent/daemon/sd-notify.js';
import type { Service } from '../../../agent/lib/service.js';
import { captureLog } from '../../lib/capture-log.js';

function svc(name: string, healthcheck?: () => Promise<boolean>): Service {
  return { name, start: async () => undefined, stop: async () => undefined, ...(healthcheck === undefined ? {} : { healthcheck }) };
}

describe('daemon/health', () => {
  it('is healthy when every check passes and ignores services without a check', async () => {
    const m = new HealthMonitor(() => [svc('a', async () => true), svc('b')]);
    expect(await m.report()).to.deep.equal({ healthy: true, checks: [{ name: 'a', healthy: true }] });
  });

  it('names the failing check: false, a throw, or no answer in time', async () => {
    const m = new HealthMonitor(() => [
      svc('false', async () => false),
      svc('throws', async () => { throw new Error('dnsmasq exited'); }),
      svc('hangs', () => new Promise<boolean>(() => undefined)),
    ], 50);
    const r = await m.report();
    expect(r.healthy).to.equal(false);
    expect(r.checks).to.deep.equal([
      { name: 'false', healthy: false, reason: 'reported unhealthy' },
      { name: 'throws', healthy: false, reason: 'dnsmasq exited' },
      { name: 'hangs', healthy: false, reason: 'no answer within 50 ms' },
    ]);
  });

  it('pings the watchdog only while healthy', async () => {
    const sent: string[] = [];
    let healthy = true;
    const cap = captureLog();
    const notifier = new SdNotifier({ env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '60000000' }, log: cap.log, send: (_a, p) => { sent.push(p.toString()); } });
    const w = new Watchdog(notifier, new HealthMonitor(() => [svc('dhcp', async () => healthy)]), cap.log);
    await w.start(new AbortController().signal);
    healthy = false;
    await w.tick();
    await w.tick();
    healthy = true;
    await w.tick();
    await w.stop();
    expect(sent).to.deep.equal(['WATCHDOG=1\n', 'WATCHDOG=1\n']);
    expect(cap.lines.filter((l) => l.level === 'error')).to.have.length(1);
  });

  it('does nothing without a watchdog', async () => {
    const sent: string[] = [];
    const cap = captureLog();
    const notifier = new SdNotifier({ env: { NOTIFY_SOCKET: '/x' }, log: cap.log, send: (_a, p) => { sent.push(p.toString()); } });
    const w = new Watchdog(notifier, new HealthMonitor(() => []), cap.log);
    await w.start(new AbortController().signal);
    await w.stop();
    expect(sent).to.deep.equal([]);
  });
});
