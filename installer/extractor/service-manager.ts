/**
 * The installer's view of systemd: is a unit running, start/stop/restart it, reload unit files,
 * and wait for a restarted unit to be ready. The real implementation runs systemctl on the host
 * (through nsenter from the installer image); unit tests use test/lib/fake-service-manager.ts and
 * integration tests a stand-in systemctl program.
 */
import type { Exec } from '../../agent/lib/exec.js';
import { isRackerError } from '../../agent/lib/errors.js';
import { waitUntil } from '../../agent/lib/backoff.js';

export interface Readiness {
  ready: boolean;
  /** What was seen last, for the message: e.g. `failed`, `activating after 120 s`. */
  observed: string;
}

export interface ServiceManager {
  isActive(unit: string): Promise<boolean>;
  start(unit: string): Promise<void>;
  stop(unit: string): Promise<void>;
  daemonReload(): Promise<void>;
  /** Restart and wait until the unit is active and stays so, or until the timeout. Never throws for a unit that fails. */
  restartAndWait(unit: string, timeoutMs: number): Promise<Readiness>;
}

/** systemctl's argument lists, built once here and tested by value. */
export const systemctlArgs = {
  isActive: (unit: string) => ['is-active', unit],
  start: (unit: string) => ['start', unit],
  stop: (unit: string) => ['stop', unit],
  restart: (unit: string) => ['restart', unit],
  daemonReload: () => ['daemon-reload'],
} as const;

export interface SystemctlOptions {
  /** Pause between readiness polls. */
  pollMs?: number;
  /** Consecutive `active` answers that count as ready (a unit that crashes right after start fails this). */
  settleChecks?: number;
}

export class SystemctlServiceManager implements ServiceManager {
  private readonly pollMs: number;
  private readonly settleChecks: number;

  constructor(private readonly systemctl: string, private readonly exec: Exec, options: SystemctlOptions = {}) {
    this.pollMs = options.pollMs ?? 500;
    this.settleChecks = options.settleChecks ?? 3;
  }

  /** `systemctl is-active` prints the state and exits non-zero for anything but active. */
  async state(unit: string): Promise<string> {
    const r = await this.exec(this.systemctl, systemctlArgs.isActive(unit), { okExitCodes: [0, 1, 2, 3, 4], timeoutMs: 30_000 });
    return r.stdout.trim() || `unknown (exit ${r.exitCode})`;
  }

  async isActive(unit: string): Promise<boolean> {
    return (await this.state(unit)) === 'active';
  }

  async start(unit: string): Promise<void> {
    await this.exec(this.systemctl, systemctlArgs.start(unit), { timeoutMs: 120_000 });
  }

  async stop(unit: string): Promise<void> {
    await this.exec(this.systemctl, systemctlArgs.stop(unit), { timeoutMs: 120_000 });
  }

  async daemonReload(): Promise<void> {
    await this.exec(this.systemctl, systemctlArgs.daemonReload(), { timeoutMs: 60_000 });
  }

  async restartAndWait(unit: string, timeoutMs: number): Promise<Readiness> {
    const deadline = Date.now() + timeoutMs;
    try {
      // With Type=notify, restart returns once the agent has sent READY=1, or fails.
      await this.exec(this.systemctl, systemctlArgs.restart(unit), { timeoutMs });
    } catch (e) {
      if (!isRackerError(e)) throw e;
      return { ready: false, observed: `systemctl restart failed: ${e.message}` };
    }
    let streak = 0;
    let last = 'unknown';
    if (Date.now() >= deadline) return { ready: false, observed: `${last} after ${Math.round(timeoutMs / 1000)} s` };
    const settled = await waitUntil(async (): Promise<Readiness | undefined> => {
      last = await this.state(unit);
      if (last === 'active') return ++streak >= this.settleChecks ? { ready: true, observed: 'active' } : undefined;
      streak = 0;
      return last === 'failed' || last === 'inactive' ? { ready: false, observed: last } : undefined;
    }, { intervalMs: this.pollMs, timeoutMs: deadline - Date.now() });
    return settled ?? { ready: false, observed: `${last} after ${Math.round(timeoutMs / 1000)} s` };
  }
}
