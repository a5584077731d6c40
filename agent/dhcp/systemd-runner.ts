/**
 * Container mode: on Flatcar dnsmasq runs as a container under its own systemd unit, which reads
 * the configuration racker writes to the state directory (bind-mounted at the same path). racker
 * restarts and reloads the unit with systemctl, follows its log with journalctl, and watches
 * `systemctl is-active` to notice when it has died.
 *
 * The syntax check is skipped here: the host has no dnsmasq binary; the container checks its
 * configuration on start and the unit fails, which the supervisor reports and retries.
 */
import type { Exec } from '../lib/exec.js';
import { sleep, waitUntil } from '../lib/backoff.js';
import { journalctlFollowArgs, systemctlArgs } from './dnsmasq-args.js';
import { stopChild, type ChildExit, type SpawnChild } from './child-process.js';
import type { DnsmasqInstance, DnsmasqRunner } from './runner.js';

export interface SystemdRunnerOptions {
  unit: string;
  exec: Exec;
  spawn: SpawnChild;
  /** How often to ask whether the unit is still active. Default 5 s. */
  pollMs?: number;
}

/** `systemctl is-active` exits 0 when active and 1-4 otherwise; none of these is an error here. */
const IS_ACTIVE_CODES = [0, 1, 2, 3, 4];

export class SystemdDnsmasqRunner implements DnsmasqRunner {
  readonly mode = 'container';

  constructor(private readonly o: SystemdRunnerOptions) {}

  async test(_confFile: string): Promise<void> {
    /* checked by dnsmasq in the container when the unit starts (see the file comment) */
  }

  async start(_confFile: string, onLine: (line: string) => void): Promise<DnsmasqInstance> {
    const { unit, exec } = this.o;
    // Follow the journal first so the start-up lines are not missed.
    const journal = this.o.spawn('journalctl', journalctlFollowArgs(unit), onLine);
    try {
      await exec('systemctl', systemctlArgs.restart(unit), { timeoutMs: 60_000 });
    } catch (e) {
      await stopChild(journal);
      throw e;
    }
    const pidText = (await exec('systemctl', systemctlArgs.mainPid(unit))).stdout.trim();
    const pid = /^[1-9]\d*$/.test(pidText) ? Number(pidText) : undefined;
    const polling = new AbortController();
    const exited = this.watch(polling.signal);
    let stopping: Promise<void> | undefined;
    return {
      pid,
      exited,
      reload: async () => { await exec('systemctl', systemctlArgs.reload(unit)); },
      stop: () => (stopping ??= (async () => {
        polling.abort();
        try {
          await exec('systemctl', systemctlArgs.stop(unit), { timeoutMs: 60_000 });
        } finally {
          await stopChild(journal);
        }
      })()),
    };
  }

  /** Resolves when the unit is no longer active, or when polling is aborted (stop). */
  private async watch(signal: AbortSignal): Promise<ChildExit> {
    const pollMs = this.o.pollMs ?? 5_000;
    try {
      await sleep(pollMs, signal); // the unit was just started: the first question is one interval later
      const exit = await waitUntil(async (): Promise<ChildExit | undefined> => {
        const r = await this.o.exec('systemctl', systemctlArgs.isActive(this.o.unit), { okExitCodes: IS_ACTIVE_CODES, timeoutMs: 10_000 });
        return r.exitCode === 0 ? undefined : { code: r.exitCode, signal: null };
      }, { intervalMs: pollMs, signal });
      return exit ?? { code: 0, signal: null }; // no limit: undefined never comes
    } catch (e) {
      if (signal.aborted) return { code: 0, signal: null }; // stopped on request
      return { code: null, signal: null, error: e as Error };
    }
  }
}
