/**
 * Health: every service may have a healthcheck; the agent is healthy when all of them pass within
 * a deadline. The watchdog pings systemd only while that holds, so systemd restarts an agent that
 * is wedged (a stuck event loop misses the pings too) or whose services have failed.
 */
import type { Logger } from '../lib/log.js';
import type { CheckResult, HealthReport, Service } from '../lib/service.js';
import type { SdNotifier } from './sd-notify.js';
import { errorMessage } from '../lib/errors.js';

/** Runs the healthchecks of the services that have one, each with a deadline. */
export class HealthMonitor {
  constructor(private readonly services: () => readonly Service[], private readonly timeoutMs = 5_000) {}

  async report(): Promise<HealthReport> {
    const checks = await Promise.all(this.services()
      .filter((s) => s.healthcheck !== undefined)
      .map((s) => this.run(s)));
    return { healthy: checks.every((c) => c.healthy), checks };
  }

  private async run(service: Service): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ name: service.name, healthy: false, reason: `no answer within ${this.timeoutMs} ms` }), this.timeoutMs);
    });
    try {
      const check = (service.healthcheck as () => Promise<boolean>).call(service)
        .then((ok): CheckResult => (ok ? { name: service.name, healthy: true } : { name: service.name, healthy: false, reason: 'reported unhealthy' }))
        .catch((e: unknown): CheckResult => ({ name: service.name, healthy: false, reason: errorMessage(e) }));
      return await Promise.race([check, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Pings systemd's watchdog at half of WATCHDOG_USEC while the health report is good. Started last,
 * after READY=1; a no-op when systemd expects no pings.
 */
export class Watchdog implements Service {
  readonly name = 'watchdog';
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private running: Promise<void> | undefined;

  constructor(private readonly notifier: SdNotifier, private readonly health: HealthMonitor, private readonly log: Logger) {}

  async start(_signal: AbortSignal): Promise<void> {
    const interval = this.notifier.watchdogIntervalMs();
    if (interval === undefined) return;
    this.log.info({ intervalMs: interval }, 'pinging the systemd watchdog while healthy');
    this.timer = setInterval(() => { this.running ??= this.tick().finally(() => { this.running = undefined; }); }, interval);
    await this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: check health, ping when healthy. Exported behaviour for tests. */
  async tick(): Promise<void> {
    const report = await this.health.report();
    if (report.healthy) {
      if (this.failing) this.log.info('health checks pass again; resuming watchdog pings');
      this.failing = false;
      this.notifier.watchdog();
      return;
    }
    if (!this.failing) {
      const failed = report.checks.filter((c) => !c.healthy).map((c) => `${c.name}: ${c.reason ?? 'unhealthy'}`);
      this.log.error({ failed }, 'health checks fail; withholding watchdog pings so systemd restarts the agent if this persists');
    }
    this.failing = true;
  }
}
