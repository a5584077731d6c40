/**
 * The agent's memory: every node's record and every job's, held in memory, persisted as one state
 * document after each change (coalesced: changes made while a write is running go into the next
 * write), with an event in the log for each transition. One document rather than a file per node,
 * so a snapshot is always consistent across nodes and jobs (a job's progress matches its nodes'
 * phases).
 *
 * INVARIANTS: mutators change memory synchronously; the write is scheduled for the end of the
 * current synchronous step (a microtask), so changes made together (a node's phase and its job's
 * progress) land in the same snapshot. `persisted()` resolves once everything changed before the
 * call is on disk. Only this class writes state.json.
 */
import { Emitter } from '../lib/emitter.js';
import { ErrorCodes, RackerError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { readStateFile, removeStaleTempFiles, writeStateFile } from './state-file.js';
import { emptyState, type JobRecord, type NodeProblem, type NodePower, type NodeRecord, type StateDocument } from './records.js';
import type { NodePhase } from './phases.js';
import type { EventLog, NewEvent } from './event-log.js';
import { applyInventory, type InventoryNode } from './inventory-sync.js';
import { hardwareChanges, type NodeHardware } from '../inventory/hardware.js';
import { hardwareSummary } from '../inventory/hardware-summary.js';
import { bmcFactsChanges, type BmcFacts } from '../inventory/bmc-facts.js';
import { bmcFactsSummary } from '../inventory/bmc-facts-summary.js';
import { serialMismatch } from '../inventory/serial-match.js';

interface WriteOutcome {
  failed?: unknown;
}

/** How many phase transitions a node record keeps. */
const HISTORY = 20;

export interface StateStoreOptions {
  stateDir: string;
  events: EventLog;
  log: Logger;
  now?: () => Date;
}

export class StateStore implements Service {
  readonly name = 'state';
  private doc: StateDocument;
  private dirtyGeneration = 0;
  private writtenGeneration = 0;
  private writer: Promise<WriteOutcome> | undefined;
  private scheduled = false;
  private readonly changes = new Emitter<void>();

  constructor(private readonly o: StateStoreOptions) {
    this.doc = emptyState(this.nowIso());
  }

  async start(_signal: AbortSignal): Promise<void> {
    const removed = await removeStaleTempFiles(this.o.stateDir);
    if (removed > 0) this.o.log.info({ removed }, 'removed temporary state files left by an interrupted write');
    this.doc = (await readStateFile(this.o.stateDir)) ?? emptyState(this.nowIso());
    this.writtenGeneration = this.dirtyGeneration = this.doc.generation;
    await this.o.events.open();
  }

  async stop(): Promise<void> {
    try {
      await this.persisted();
    } finally {
      await this.o.events.close();
    }
  }

  async healthcheck(): Promise<boolean> {
    return true;
  }

  get generation(): number {
    return this.doc.generation;
  }

  nodes(): NodeRecord[] {
    return Object.values(this.doc.nodes).sort((a, b) => Number(b.inInventory) - Number(a.inInventory) || a.row - b.row);
  }

  node(mac: string): NodeRecord | undefined {
    return this.doc.nodes[mac];
  }

  jobs(): JobRecord[] {
    return Object.values(this.doc.jobs).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  job(id: string): JobRecord | undefined {
    return this.doc.jobs[id];
  }

  /** Called after every change (for metrics and the systemd status line). */
  onChange(listener: () => void): () => void {
    return this.changes.on(listener);
  }

  /**
   * Bring records in line with nodes.csv: add new rows, refresh identity, drop the servers that left
   * (told in the event log, which keeps their history). Returns the MACs of those retired servers,
   * whose token and boot data the caller retires (daemon/wiring/retire-nodes.ts).
   */
  syncInventory(nodes: readonly InventoryNode[], bmcDriver: (bmcMac: string) => string): string[] {
    const now = this.nowIso();
    const result = applyInventory(this.doc.nodes, nodes, bmcDriver, now);
    if (!result.changed) return [];
    this.doc.nodes = result.nodes;
    for (const r of result.removed) {
      this.event({ type: 'node.removed', level: 'warn', node: r.mac, message: `${r.hostname} (${r.mac}) left nodes.csv (row ${r.row}): retired; its history stays in this log` });
    }
    for (const mac of result.added) {
      const old = result.replaces.get(mac);
      this.event({ type: 'node.added', level: 'info', node: mac, message: old === undefined ? `${this.label(mac)} is in nodes.csv` : `${this.label(mac)} replaces ${old.hostname} (${old.mac}) in row ${old.row}: a new server` });
    }
    this.touch();
    return result.removed.map((r) => r.mac);
  }

  setPhase(mac: string, phase: NodePhase, options: { job?: string; message?: string } = {}): void {
    const n = this.require(mac);
    if (n.phase.name === phase && n.phase.job === options.job) return;
    const at = this.nowIso();
    const history = [...n.phase.history, { name: phase, at }].slice(-HISTORY);
    n.phase = { name: phase, since: at, history, ...(options.job === undefined ? {} : { job: options.job }) };
    if (phase === 'provisioned') n.installedAt = at;
    const level = phase === 'failed' ? 'error' : 'info';
    this.event({ type: 'node.phase', level, node: mac, job: options.job, message: options.message ?? `${this.label(mac)}: ${phase}`, data: { phase } });
    this.touch();
  }

  setPower(mac: string, state: NodePower): void {
    const n = this.require(mac);
    const at = this.nowIso();
    const changed = n.power.state !== state;
    n.power = { state, checkedAt: at, since: changed ? at : n.power.since };
    if (changed) this.event({ type: 'node.power', level: 'info', node: mac, message: `${this.label(mac)}: power ${state}`, data: { power: state } });
    this.touch(changed);
  }

  /** Record a BMC poll's outcome; `unreachableAfter` consecutive failures mark the BMC unreachable. */
  recordBmcPoll(mac: string, outcome: { ok: true } | { ok: false; error: string; hint?: string }, unreachableAfter: number): void {
    const n = this.require(mac);
    const at = this.nowIso();
    const was = n.bmc.reachable;
    if (outcome.ok) {
      n.bmc = { ...n.bmc, reachable: true, lastSeen: at, lastCheck: at, failures: 0, lastError: undefined };
      if (was !== true) this.event({ type: 'bmc.reachable', level: 'info', node: mac, message: `${this.label(mac)}: BMC ${n.bmc.address ?? n.bmc.mac} answers` });
      if (n.lastError?.step === 'BMC poll') n.lastError = undefined;
    } else {
      const failures = n.bmc.failures + 1;
      const reachable = failures >= unreachableAfter ? false : was;
      n.bmc = { ...n.bmc, reachable, lastCheck: at, failures, lastError: outcome.error };
      if (reachable === false && was !== false) {
        const message = `${this.label(mac)}: BMC ${n.bmc.address ?? n.bmc.mac} unreachable after ${failures} failed polls: ${outcome.error}`;
        n.lastError = { step: 'BMC poll', message, hint: outcome.hint, at };
        this.event({ type: 'bmc.unreachable', level: 'warn', node: mac, message, data: { failures } });
      }
    }
    this.touch(was !== n.bmc.reachable || !outcome.ok);
  }

  /**
   * Record what a node's install boot reported. The first report is an event; a later one that
   * differs in hardware (a disk, NIC, memory or the system itself swapped) is a warning, kept in
   * the node's hardware history. A report for a MAC with no record is dropped (only nodes in
   * nodes.csv hold tokens, so it cannot normally happen).
   */
  recordHardware(mac: string, hw: NodeHardware): void {
    const n = this.doc.nodes[mac];
    if (n === undefined) return;
    const before = n.hardware;
    const mismatchBefore = serialMismatch(n.bmcFacts, before?.current);
    if (before === undefined) {
      n.hardware = { current: hw, history: [] };
      this.event({ type: 'node.hardware', level: 'info', node: mac, message: `${this.label(mac)}: hardware inspected: ${hardwareSummary(hw)}` });
    } else {
      const changes = hardwareChanges(before.current, hw);
      const history = changes.length === 0 ? before.history : [...before.history, { at: hw.at, changes }].slice(-HISTORY);
      n.hardware = { current: hw, history };
      if (changes.length > 0) {
        this.event({ type: 'node.hardware-changed', level: 'warn', node: mac, message: `${this.label(mac)}: hardware changed since ${before.current.at}: ${changes.join('; ')}`, data: { changes } });
      }
    }
    this.warnSerialMismatch(n, mismatchBefore);
    this.touch();
  }

  /**
   * Record what a node's BMC says about its server (read at a bootstrap's BMC check, and by the BMC
   * poller once per agent start). The first reading, and one that differs in model, serial or BIOS
   * version, is an event; a serial that is not the one the server's own inspection reported is a
   * warning (serial-match.ts).
   */
  recordBmcFacts(mac: string, facts: BmcFacts): void {
    const n = this.doc.nodes[mac];
    if (n === undefined) return;
    const before = n.bmcFacts;
    const mismatchBefore = serialMismatch(before, n.hardware?.current);
    n.bmcFacts = facts;
    const changes = before === undefined ? [] : bmcFactsChanges(before, facts);
    if (before === undefined) this.event({ type: 'node.bmc-facts', level: 'info', node: mac, message: `${this.label(mac)}: the BMC reports ${bmcFactsSummary(facts)}` });
    else if (changes.length > 0) this.event({ type: 'node.bmc-facts', level: 'info', node: mac, message: `${this.label(mac)}: the BMC's facts changed since ${before.at}: ${changes.join('; ')}`, data: { changes } });
    this.warnSerialMismatch(n, mismatchBefore);
    this.touch();
  }

  /** A serial mismatch is a warning when it appears or changes, not on every reading that repeats it. */
  private warnSerialMismatch(n: NodeRecord, before: ReturnType<typeof serialMismatch>): void {
    const now = serialMismatch(n.bmcFacts, n.hardware?.current);
    if (now === undefined || (before !== undefined && before.bmc === now.bmc && before.smbios === now.smbios)) return;
    this.event({ type: 'node.serial-mismatch', level: 'warn', node: n.mac, message: `${this.label(n.mac)}: ${now.message}`, data: { bmcSerial: now.bmc, smbiosSerial: now.smbios } });
  }

  setError(mac: string, problem: Omit<NodeProblem, 'at'>): void {
    const n = this.require(mac);
    n.lastError = { ...problem, at: this.nowIso() };
    this.event({ type: 'node.error', level: 'error', node: mac, message: `${this.label(mac)}: ${problem.step}: ${problem.message}`, data: { hint: problem.hint } });
    this.touch();
  }

  clearError(mac: string): void {
    const n = this.require(mac);
    if (n.lastError === undefined) return;
    n.lastError = undefined;
    this.touch();
  }

  /** Create or replace a job record; `event` says what happened to it. */
  putJob(job: JobRecord, event?: Omit<NewEvent, 'job'>): void {
    this.doc.jobs[job.id] = job;
    if (event !== undefined) this.event({ ...event, job: job.id });
    this.touch();
  }

  /** Also for events that change no record (agent started, reloaded ...). */
  event(e: NewEvent): void {
    this.o.events.append(e);
  }

  /**
   * Resolves when every change made so far is on disk; rejects (RACKER_E_IO) when a write of them
   * failed. The changes stay pending: the next change or call writes them again.
   */
  async persisted(): Promise<void> {
    const target = this.dirtyGeneration;
    while (this.writtenGeneration < target) {
      this.writer ??= this.write();
      const outcome = await this.writer;
      if (outcome.failed !== undefined && this.writtenGeneration < target) {
        const e = outcome.failed;
        throw new RackerError(ErrorCodes.io, `cannot write the agent state in ${this.o.stateDir}: ${e instanceof Error ? e.message : 'unknown error'}`, { hint: 'check the disk (space, permissions, read-only file system); the change is written again with the next one', cause: e });
      }
    }
    await this.o.events.flush();
  }

  private touch(persist = true): void {
    this.changes.emit();
    if (!persist) return;
    this.doc.generation += 1;
    this.dirtyGeneration = this.doc.generation;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.writer ??= this.write();
    });
  }

  /** Never rejects (nobody may be waiting for a scheduled write): a failure is the outcome. */
  private async write(): Promise<WriteOutcome> {
    try {
      while (this.writtenGeneration < this.dirtyGeneration) {
        const generation = this.doc.generation;
        this.doc.savedAt = this.nowIso();
        // writeStateFile serialises the document before its first await: changes made while the
        // file is being written belong to the next write, never half to this one.
        await writeStateFile(this.o.stateDir, this.doc);
        this.writtenGeneration = generation;
      }
      return {};
    } catch (err) {
      // The generation stays unwritten (persisted() says so); the next change or persisted() tries
      // again rather than this loop spinning on a failing disk.
      this.o.log.error({ err, stateDir: this.o.stateDir }, 'cannot write the agent state; retrying with the next change');
      return { failed: err };
    } finally {
      this.writer = undefined;
    }
  }

  private require(mac: string): NodeRecord {
    const n = this.doc.nodes[mac];
    if (n === undefined) throw new Error(`no state record for node ${mac}`);
    return n;
  }

  private label(mac: string): string {
    const n = this.doc.nodes[mac];
    return n === undefined ? mac : `${n.hostname} (${mac})`;
  }

  private nowIso(): string {
    return (this.o.now?.() ?? new Date()).toISOString();
  }
}
