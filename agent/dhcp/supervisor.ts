/**
 * The dnsmasq service: writes the rendered configuration, runs dnsmasq (binary or container mode,
 * see runner.ts), restarts it with backoff when it dies, reloads it with SIGHUP when only the
 * reservations changed, and turns its log and lease file into typed events for the agent.
 *
 * INVARIANTS:
 * - At most one dnsmasq instance is current; `monitor` is the only code that replaces it, so a
 *   crash and a requested restart can never start two.
 * - A restart the agent asked for (configuration changed) is immediate; a crash waits
 *   RestartBackoff (agent/lib/backoff.ts), and the attempt count resets after dnsmasq ran for `stableMs`.
 * - A restart is never triggered by a reload failure or an unparsable log line: only by dnsmasq
 *   ending, or by a configuration change that requires it.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileIfChanged } from '../lib/atomic-file.js';
import { RestartBackoff, sleep } from '../lib/backoff.js';
import { Emitter } from '../lib/emitter.js';
import { ErrorCodes, RackerError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { describeExit } from './child-process.js';
import { DnsmasqLogParser } from './log-parser.js';
import { LeaseWatcher } from './leases.js';
import { dnsmasqFilePaths, renderDnsmasq, type DhcpSettings, type DnsmasqFilePaths, type DnsmasqPlan } from './render-config.js';
import type { DnsmasqInstance, DnsmasqRunner } from './runner.js';
import { findBootFiles, requireBootFiles } from './boot-files.js';
import type { DhcpEvent } from './events.js';

export interface DnsmasqSupervisorOptions {
  dhcp: DhcpSettings;
  stateDir: string;
  plan: DnsmasqPlan;
  runner: DnsmasqRunner;
  log: Logger;
  /** How long to wait for dnsmasq to report it has read its reservations. Default 10 s. */
  readyTimeoutMs?: number;
  /** Run time after which a crash counts as the first again. Default 60 s. */
  stableMs?: number;
  /** Quiet time after which a half-seen log block is emitted. Default 100 ms. */
  flushMs?: number;
  /** Lease file poll interval. */
  leasePollMs?: number;
}

export type ApplyResult = 'unchanged' | 'reloaded' | 'restarted' | 'written';

export class DnsmasqSupervisor implements Service {
  readonly name = 'dnsmasq';
  readonly events: Emitter<DhcpEvent>;
  private readonly files: DnsmasqFilePaths;
  private readonly leases: LeaseWatcher;
  private readonly parser = new DnsmasqLogParser();
  private plan: DnsmasqPlan;
  private current: DnsmasqInstance | undefined;
  private starting: DnsmasqInstance | undefined;
  private alive = false;
  private monitoring: Promise<void> | undefined;
  private readonly halt = new AbortController();
  private restartRequested = false;
  private applying: Promise<unknown> = Promise.resolve();
  private launchWaiters: ((err?: Error) => void)[] = [];
  /** Told when dnsmasq has (re)read the reservations file: undefined, or why it could not. */
  private readWaiters: ((problem: string | undefined) => void)[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private recentLines: string[] = [];
  /** dnsmasq reported an ra-only range built for the interface (see launch). */
  private advertising = false;

  constructor(private readonly o: DnsmasqSupervisorOptions) {
    this.plan = o.plan;
    this.files = dnsmasqFilePaths(o.stateDir);
    this.events = new Emitter<DhcpEvent>((err) => o.log.error({ err }, 'a DHCP event listener failed'));
    this.leases = new LeaseWatcher({ file: this.files.leases, log: o.log, pollMs: o.leasePollMs });
  }

  /** The running dnsmasq's PID (binary mode) or the unit's main PID (container mode). */
  get pid(): number | undefined {
    return this.alive ? this.current?.pid : undefined;
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.writeFiles();
    signal.throwIfAborted();
    await this.check();
    signal.throwIfAborted();
    this.leases.events.on((e) => this.events.emit(e));
    await this.leases.start(signal);
    try {
      await this.launch();
    } catch (e) {
      await this.leases.stop();
      throw e;
    }
    this.monitoring = this.monitor();
  }

  async stop(): Promise<void> {
    this.halt.abort();
    const errors: unknown[] = [];
    // `starting` is a dnsmasq still on its way up (stop() during start or a restart).
    for (const instance of new Set([this.starting, this.current])) {
      try {
        await instance?.stop();
      } catch (e) {
        errors.push(e);
      }
    }
    await this.monitoring;
    this.flush();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    await this.leases.stop();
    if (errors.length > 0) throw errors[0];
  }

  async healthcheck(): Promise<boolean> {
    return this.alive;
  }

  /**
   * Apply a new plan (nodes.csv changed): rewrite the files, then SIGHUP when only reservations
   * changed (same process, leases kept) or restart when dnsmasq.conf changed. Calls run one
   * after another, so two quick changes never race on the files or the process.
   */
  apply(plan: DnsmasqPlan): Promise<ApplyResult> {
    const run = this.applying.then(() => this.applyNow(plan));
    this.applying = run.catch(() => undefined); // the caller gets the error; the queue goes on
    return run;
  }

  private async applyNow(plan: DnsmasqPlan): Promise<ApplyResult> {
    this.plan = plan;
    const changed = await this.writeFiles();
    if (this.current === undefined || this.halt.signal.aborted) return changed.conf || changed.hosts ? 'written' : 'unchanged';
    if (changed.conf) {
      await this.check();
      const launched = new Promise<void>((resolve, reject) => this.launchWaiters.push((err) => (err === undefined ? resolve() : reject(err))));
      this.restartRequested = true;
      await this.current.stop();
      await launched;
      return 'restarted';
    }
    if (!changed.hosts) return 'unchanged';
    const read = this.waitForRead();
    await this.current.reload();
    const t = timer(this.o.readyTimeoutMs ?? 10_000);
    const problem = await Promise.race([read, t.expired.then(() => 'timeout' as const)]).finally(() => t.cancel());
    if (problem === 'timeout') {
      this.o.log.warn({ pid: this.current.pid, file: this.files.reservations }, 'dnsmasq did not report re-reading its reservations after SIGHUP');
    } else if (problem !== undefined) {
      throw this.unreadable(problem);
    }
    this.events.emit({ type: 'reloaded', pid: this.current.pid });
    return 'reloaded';
  }

  /** Render and write; returns which kind of file changed. */
  private async writeFiles(): Promise<{ conf: boolean; hosts: boolean }> {
    const available = requireBootFiles(this.o.dhcp, await findBootFiles(this.o.dhcp));
    const rendered = renderDnsmasq({ ...this.plan, dhcp: this.o.dhcp, files: this.files, availableBootFiles: available });
    // dnsmasq re-reads the hosts files as `nobody` after a SIGHUP: the directory must be searchable.
    await mkdir(dirname(this.files.conf), { recursive: true, mode: 0o755 });
    const conf = await writeFileIfChanged(this.files.conf, rendered.conf, { mode: 0o644 });
    let hosts = await writeFileIfChanged(this.files.reservations, rendered.reservations, { mode: 0o644 });
    if (rendered.dnsHosts !== undefined) hosts = (await writeFileIfChanged(this.files.dnsHosts, rendered.dnsHosts, { mode: 0o644 })) || hosts;
    return { conf, hosts };
  }

  private async check(): Promise<void> {
    try {
      await this.o.runner.test(this.files.conf);
    } catch (e) {
      throw new RackerError(ErrorCodes.dhcp, `dnsmasq rejects the configuration racker wrote to ${this.files.conf}: ${errorMessage(e)}`,
        { cause: e, hint: 'this is a racker bug unless a dhcp setting is unusual; report it with the file attached' });
    }
  }

  /** Start one dnsmasq, wait until it has read its reservations, make it current; throws when it ends first. */
  private async launch(): Promise<void> {
    this.recentLines = [];
    this.advertising = false;
    const ready = this.waitForRead();
    const instance = await this.o.runner.start(this.files.conf, (line) => this.onLine(line));
    this.starting = instance;
    const deadline = timer(this.o.readyTimeoutMs ?? 10_000);
    const outcome = await Promise.race([ready.then((problem) => problem ?? 'ready' as const), instance.exited, deadline.expired.then(() => 'timeout' as const)])
      .finally(() => {
        deadline.cancel();
        this.starting = undefined;
      });
    if (this.halt.signal.aborted) {
      await instance.stop();
      throw new RackerError(ErrorCodes.dhcp, 'dnsmasq was stopped while starting');
    }
    if (typeof outcome === 'object') {
      const lines = this.recentLines.slice(-5).join(' | ');
      throw new RackerError(ErrorCodes.dhcp, `dnsmasq ${describeExit(outcome)} while starting${lines === '' ? '' : `: ${lines}`}`,
        { hint: `check that interface ${this.plan.interface} exists and has ${this.plan.subnet.cidr}, and that nothing else serves DHCP on it (ss -ulpn sport = :67)` });
    }
    if (typeof outcome === 'string' && outcome !== 'ready' && outcome !== 'timeout') {
      // dnsmasq carries on without reservations, which would serve nobody: refuse instead.
      await instance.stop();
      throw this.unreadable(outcome);
    }
    if (outcome === 'timeout') this.o.log.warn({ pid: instance.pid }, 'dnsmasq did not report reading its reservations in time; assuming it runs');
    this.current = instance;
    this.alive = true;
    if (!this.advertising) {
      // dnsmasq builds its ra-only range from the interface's IPv6 addresses; link-local ones do not count.
      this.o.log.warn({ interface: this.plan.interface },
        `dnsmasq sends no IPv6 router advertisements: ${this.plan.interface} has no IPv6 address besides link-local, so iPXE waits about 13 s for IPv6 autoconfiguration on every boot; give it a ULA such as fd00::1/64`);
    }
    this.o.log.info({ pid: instance.pid, mode: this.o.runner.mode }, 'dnsmasq started');
    this.events.emit({ type: 'started', pid: instance.pid });
  }

  /** Wait for each instance to end and start the next one, until stop(). */
  private async monitor(): Promise<void> {
    const restarts = new RestartBackoff({ minDelayMs: this.o.dhcp.restartMinDelayMs, maxDelayMs: this.o.dhcp.restartMaxDelayMs, stableMs: this.o.stableMs ?? 60_000 });
    let attempt: number;
    let startedAt = Date.now();
    for (;;) {
      const instance = this.current as DnsmasqInstance;
      const exit = await instance.exited;
      this.alive = false;
      this.flush();
      if (this.halt.signal.aborted) return;
      let delayMs = 0;
      if (this.restartRequested) {
        this.restartRequested = false;
        restarts.reset();
        attempt = 0;
      } else {
        ({ attempt, delayMs } = restarts.crashed(Date.now() - startedAt));
        this.o.log.error({ pid: instance.pid, code: exit.code, signal: exit.signal, attempt, delayMs }, `dnsmasq ${describeExit(exit)}; restarting`);
        this.events.emit({ type: 'exited', pid: instance.pid, code: exit.code, signal: exit.signal });
        this.events.emit({ type: 'restarting', attempt, delayMs });
      }
      try {
        await sleep(delayMs, this.halt.signal);
      } catch {
        return; // stop() during the backoff wait
      }
      try {
        await this.launch();
        startedAt = Date.now();
        this.settleLaunch(undefined);
      } catch (e) {
        const failed = e instanceof Error ? e : new Error(String(e));
        this.o.log.error({ err: failed, attempt }, 'dnsmasq failed to start again');
        this.settleLaunch(failed);
        // A stand-in that has already ended, so the loop waits out the backoff and tries again.
        this.current = { pid: undefined, exited: Promise.resolve({ code: null, signal: null, error: failed }), reload: () => Promise.reject(failed), stop: async () => undefined };
        startedAt = Date.now();
      }
    }
  }

  private settleLaunch(err: Error | undefined): void {
    const waiters = this.launchWaiters;
    this.launchWaiters = [];
    for (const w of waiters) w(err);
  }

  private waitForRead(): Promise<string | undefined> {
    return new Promise((resolve) => this.readWaiters.push(resolve));
  }

  private settleRead(problem: string | undefined): void {
    const waiters = this.readWaiters;
    this.readWaiters = [];
    for (const w of waiters) w(problem);
  }

  private unreadable(problem: string): RackerError {
    return new RackerError(ErrorCodes.dhcp, `dnsmasq ${problem}, so it would serve no reservations`,
      { hint: `dnsmasq reads it as user nobody: make ${dirname(this.files.reservations)} and every directory above it searchable by others (chmod o+x), or set paths.stateDir to such a directory` });
  }

  private onLine(line: string): void {
    this.recentLines.push(line);
    if (this.recentLines.length > 20) this.recentLines.shift();
    this.handle(this.parser.feed(line));
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => this.flush(), this.o.flushMs ?? 100);
  }

  private flush(): void {
    this.handle(this.parser.flush());
  }

  private handle(events: readonly DhcpEvent[]): void {
    for (const e of events) {
      if (e.type === 'read' && e.file === this.files.reservations) {
        this.settleRead(undefined);
      } else if (e.type === 'log' && e.message.startsWith(`cannot read ${this.files.reservations}:`)) {
        this.o.log.error({ dnsmasq: e.message }, 'dnsmasq cannot read its reservations');
        this.settleRead(e.message);
      } else if (e.type === 'log' && /^router advertisement on \S+, constructed for /.test(e.message)) {
        this.advertising = true;
      } else if (e.type === 'log' && e.level === 'warn') {
        this.o.log.warn({ dnsmasq: e.message }, 'dnsmasq reports a problem');
      } else if (e.type === 'dhcp') {
        this.o.log.debug({ dhcp: e }, `DHCP ${e.message} ${e.mac}`);
      }
      this.events.emit(e);
      if (e.type === 'dhcp' && e.message === 'ACK' && !e.known && e.ip !== undefined && this.o.dhcp.discovery) {
        this.o.log.info({ mac: e.mac, ip: e.ip }, 'unknown machine leased an address from the discovery pool');
        this.events.emit({ type: 'discovery', mac: e.mac, ip: e.ip, clientArch: e.clientArch, vendorClass: e.vendorClass, hostname: e.hostname });
      }
    }
  }
}

/** A timer as a promise that can be cancelled, so no wait outlives the thing waited for. */
function timer(ms: number): { expired: Promise<void>; cancel: () => void } {
  let handle: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => { handle = setTimeout(resolve, ms); });
  return { expired, cancel: () => clearTimeout(handle) };
}
