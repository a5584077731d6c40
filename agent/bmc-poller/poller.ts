/**
 * Keeps every node's power state fresh: polls each BMC at an interval with jitter (so a rack's BMCs
 * are not hit in lockstep), at most one poll per BMC at a time and at most `concurrency` at once,
 * through the BMC layer (which adds its own per-BMC minimum command gap). A BMC that fails
 * `unreachableAfter` polls in a row is reported unreachable, and failing BMCs are polled less
 * often (exponential backoff up to `maxBackoffMs`), because hammering a sick BMC can freeze it.
 *
 * Sensors (temperatures, fans, voltages, power) are read in the same turn as a power poll, at most
 * every `sensorsIntervalMs` per BMC and only from a BMC that just answered, so a sick BMC is not
 * asked for its SDR too; readings go to the metrics only (they change too often for state.json).
 *
 * What a BMC says about its server (FRU 0, the Redfish System) is read once per agent start (and
 * BMC address) after the BMC first answers, so `racker inventory` names every server before any
 * bootstrap; the bootstrap's BMC check reads it again. A failed read is logged, not retried.
 *
 * INVARIANTS: one timer at a time; a node is never polled twice concurrently; stop() waits for
 * polls in flight (each is bounded by `pollTimeoutMs`).
 */
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { backoffDelay } from '../lib/backoff.js';
import { AbortReason, isRackerError } from '../lib/errors.js';
import type { BmcMetrics } from '../metrics/metrics.js';
import type { NodePower } from '../state/records.js';
import type { SensorReading } from '../bmc/bmc-client.js';
import type { BmcFacts } from '../inventory/bmc-facts.js';

/** What the poller needs from the BMC layer. */
export interface PowerReader {
  powerStatus(target: PollTarget, signal: AbortSignal): Promise<'on' | 'off'>;
  /** The BMC's sensor readings; a reader without it means sensors are not polled. */
  sensors?(target: PollTarget, signal: AbortSignal): Promise<SensorReading[]>;
  /** What the BMC says about its server; a reader without it means none is read. */
  serverFacts?(target: PollTarget, signal: AbortSignal): Promise<BmcFacts>;
}

export interface PollTarget {
  /** Primary MAC: the node's key. */
  mac: string;
  hostname: string;
  bmcMac: string;
  bmcAddress: string;
}

/** What the poller needs from the state. */
export interface PollRecorder {
  setPower(mac: string, state: NodePower): void;
  recordBmcPoll(mac: string, outcome: { ok: true } | { ok: false; error: string; hint?: string }, unreachableAfter: number): void;
  recordBmcFacts?(mac: string, facts: BmcFacts): void;
}

export interface PollerOptions {
  intervalMs: number;
  jitter: number;
  unreachableAfter: number;
  maxBackoffMs: number;
  /** Least time between two sensor reads of one BMC; 0 reads none. */
  sensorsIntervalMs: number;
  concurrency: number;
  pollTimeoutMs: number;
  /** Read each BMC's facts about its server once, after it first answers (agent.bmcPoll.readServerFacts). */
  readServerFacts?: boolean;
  now?: () => number;
  random?: () => number;
}

interface Entry {
  target: PollTarget;
  dueAt: number;
  /** When this BMC's sensors may be read next. */
  sensorsDueAt: number;
  failures: number;
  busy: boolean;
  /** The server's facts were asked for (answered or not): once per entry. */
  factsAsked: boolean;
}

export class BmcPoller implements Service {
  readonly name = 'bmc-poller';
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly reader: PowerReader,
    private readonly recorder: PollRecorder,
    private readonly metrics: BmcMetrics,
    private targets: readonly PollTarget[],
    private readonly o: PollerOptions,
    private readonly log: Logger,
  ) {}

  async start(_signal: AbortSignal): Promise<void> {
    this.abort = new AbortController();
    this.setTargets(this.targets);
    this.log.info({ nodes: this.entries.size, intervalMs: this.o.intervalMs }, 'polling BMC power state');
    this.arm();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort(new AbortReason('agent-stopping'));
    this.abort = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  async healthcheck(): Promise<boolean> {
    return this.abort === undefined || this.timer !== undefined || this.inFlight.size > 0 || this.entries.size === 0;
  }

  /** New inventory: poll new nodes soon, forget removed ones, keep the schedule of the rest. */
  async reload(targets: readonly PollTarget[]): Promise<void> {
    this.setTargets(targets);
    if (this.abort !== undefined) this.arm();
  }

  /** Poll every node that is due now (the timer calls this; tests call it with a fake clock). */
  async pollDue(): Promise<void> {
    const now = this.now();
    const due = [...this.entries.values()].filter((e) => !e.busy && e.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    const slots = Math.max(0, this.o.concurrency - this.inFlight.size);
    await Promise.all(due.slice(0, slots).map((e) => this.track(this.pollOne(e))));
  }

  private setTargets(targets: readonly PollTarget[]): void {
    this.targets = targets;
    const wanted = new Set(targets.map((t) => t.mac));
    for (const mac of this.entries.keys()) if (!wanted.has(mac)) this.entries.delete(mac);
    const now = this.now();
    for (const t of targets) {
      const e = this.entries.get(t.mac);
      if (e !== undefined && e.target.bmcAddress === t.bmcAddress) {
        e.target = t;
        continue;
      }
      // First polls spread over a few seconds: fresh power states soon after start, no burst.
      this.entries.set(t.mac, { target: t, dueAt: now + this.random() * Math.min(this.o.intervalMs, 5_000), sensorsDueAt: now, failures: 0, busy: false, factsAsked: false });
    }
  }

  private async pollOne(e: Entry): Promise<void> {
    e.busy = true;
    const started = this.now();
    const signals = [AbortSignal.timeout(this.o.pollTimeoutMs), ...(this.abort === undefined ? [] : [this.abort.signal])];
    try {
      const state = await this.reader.powerStatus(e.target, AbortSignal.any(signals));
      this.metrics.observeBmcCommand('power-status', (this.now() - started) / 1000, true);
      e.failures = 0;
      if (!this.entries.has(e.target.mac)) return;
      this.recorder.recordBmcPoll(e.target.mac, { ok: true }, this.o.unreachableAfter);
      this.recorder.setPower(e.target.mac, state);
      await this.readSensors(e, AbortSignal.any(signals));
      await this.readFacts(e, AbortSignal.any(signals));
    } catch (err) {
      if (this.abort === undefined) return; // stopping: not the BMC's fault
      this.metrics.observeBmcCommand('power-status', (this.now() - started) / 1000, false);
      e.failures += 1;
      if (!this.entries.has(e.target.mac)) return;
      const message = err instanceof Error ? err.message : String(err);
      const hint = isRackerError(err) && err.hint !== undefined ? err.hint
        : `check that the BMC at ${e.target.bmcAddress} (MAC ${e.target.bmcMac}) is powered and cabled to the internal network; \`racker ipmi ${e.target.hostname} diag\` shows details`;
      this.log.debug({ node: e.target.hostname, bmc: e.target.bmcAddress, failures: e.failures, err: message }, 'BMC poll failed');
      this.recorder.recordBmcPoll(e.target.mac, { ok: false, error: message, hint }, this.o.unreachableAfter);
    } finally {
      e.busy = false;
      e.dueAt = this.now() + this.nextDelay(e.failures);
    }
  }

  /** Sensors of a BMC that just answered, when due; a failure is logged and retried next interval, never counted against the BMC. */
  private async readSensors(e: Entry, signal: AbortSignal): Promise<void> {
    const reader = this.reader;
    if (reader.sensors === undefined || this.o.sensorsIntervalMs === 0 || e.sensorsDueAt > this.now()) return;
    e.sensorsDueAt = this.now() + this.o.sensorsIntervalMs;
    const started = this.now();
    try {
      const readings = await reader.sensors(e.target, signal);
      this.metrics.observeBmcCommand('sensors', (this.now() - started) / 1000, true);
      if (this.entries.has(e.target.mac)) this.metrics.recordSensors(e.target, readings);
    } catch (err) {
      if (this.abort === undefined) return;
      this.metrics.observeBmcCommand('sensors', (this.now() - started) / 1000, false);
      this.log.debug({ node: e.target.hostname, bmc: e.target.bmcAddress, err: err instanceof Error ? err.message : String(err) }, 'reading BMC sensors failed');
    }
  }

  /** The server's facts from a BMC that just answered, once; a failure (many BMCs have no FRU) is logged, never retried or counted against the BMC. */
  private async readFacts(e: Entry, signal: AbortSignal): Promise<void> {
    const read = this.reader.serverFacts?.bind(this.reader);
    const record = this.recorder.recordBmcFacts?.bind(this.recorder);
    if (read === undefined || record === undefined || this.o.readServerFacts !== true || e.factsAsked) return;
    e.factsAsked = true;
    try {
      const facts = await read(e.target, signal);
      if (this.entries.has(e.target.mac)) record(e.target.mac, facts);
    } catch {
      // Logged where it was read (AgentBmc.serverFacts), once; nothing more to do here.
    }
  }

  /** The interval with jitter; after failures, the backoff delay if that is longer. */
  nextDelay(failures: number): number {
    const spread = this.o.intervalMs * this.o.jitter * (2 * this.random() - 1);
    const base = this.o.intervalMs + spread;
    if (failures === 0) return base;
    return Math.max(base, backoffDelay(failures, { minDelayMs: this.o.intervalMs, maxDelayMs: this.o.maxBackoffMs, jitter: this.o.jitter }, this.o.random));
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    return p.finally(() => {
      this.inFlight.delete(p);
      if (this.abort !== undefined) this.arm();
    });
  }

  /** One timer, set for the earliest due poll among idle nodes. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const idle = [...this.entries.values()].filter((e) => !e.busy);
    if (idle.length === 0) return;
    const wait = Math.max(0, Math.min(...idle.map((e) => e.dueAt)) - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pollDue().catch((err: unknown) => this.log.error({ err }, 'BMC poll round failed'));
      if (this.timer === undefined && this.inFlight.size === 0) this.arm();
    }, wait);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private random(): number {
    return (this.o.random ?? Math.random)();
  }
}
