/**
 * The boot worker processes: `boot.workers` extra Node.js processes that answer boot requests
 * beside the agent, so that the boot service uses more than one core (one Node.js thread answers
 * about a third of what nginx's two workers answer; see bench/README.md). The agent accepts every
 * connection and hands them out in turn (itself, worker 1, worker 2, …), as node:cluster does by
 * default on Linux: left to the kernel, whichever process woke first took most of a burst of
 * connections (27 of 32 seen here), and one core idled.
 *
 * The agent stays the one owner of state: it tells workers when the boot data changed, which
 * phone-home tokens exist (as digests), and re-emits their events on its own bus. A worker that
 * dies is restarted with backoff while the agent and the other workers go on serving.
 *
 * INVARIANTS: every started worker is stopped by its PID (SIGKILL after the grace period); a
 * worker never outlives the agent (it exits when the IPC channel closes).
 */
import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RestartBackoff } from '../../lib/backoff.js';
import { ErrorCodes, RackerError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Lease } from '../connection-limits.js';
import type { BootEvent, PhoneHomeEvent } from '../events.js';
import type { CutReason } from '../http-handler.js';
import type { NodeTokens } from '../phone-home.js';
import { fromWire, reportFromWire, tokenToWire, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

export interface BootWorkersOptions {
  count: number;
  /** Everything a worker needs but its index and the current tokens. */
  init: Omit<WorkerInit, 'type' | 'index' | 'tokens'>;
  tokens: NodeTokens;
  emit: (e: BootEvent) => void;
  /** A phone-home a worker checked: the agent keeps it (BootService.accept) before the worker answers the node. */
  accept: (e: PhoneHomeEvent) => Promise<boolean>;
  log: Logger;
  /** Workers' stdout/stderr (their log lines): the agent's by default. */
  stdio?: 'inherit' | 'ignore';
  /** A connection handed to a worker is closed (with the reason if the worker cut it), or its worker died. */
  closed: (lease: Lease, cut: CutReason | undefined) => void;
}

interface Slot {
  index: number;
  child: ChildProcess | undefined;
  /** Crashes in a row; forgiven once a worker has served for a minute. */
  restarts: RestartBackoff;
  ready: boolean;
  readyAt: number;
  /** Connections sent, oldest first, that the worker has not yet said it took. */
  inFlight: Socket[];
  /** Connections the worker serves (or is being sent), by id: their admission, released when the worker says closed. */
  leases: Map<number, Lease>;
  timer: NodeJS.Timeout | undefined;
}

export class BootWorkers {
  private readonly slots: Slot[];
  private stopping = false;
  private turn = 0;
  private nextId = 1;
  private offTokens: (() => void) | undefined;

  constructor(private readonly o: BootWorkersOptions) {
    this.slots = Array.from({ length: o.count }, (_, i) => ({ index: i + 1, child: undefined, restarts: new RestartBackoff({ minDelayMs: 1000, maxDelayMs: 30_000, stableMs: 60_000 }), ready: false, readyAt: 0, inFlight: [], leases: new Map(), timer: undefined }));
  }

  /** PIDs of the workers that are running, as far as the agent knows. */
  pids(): number[] {
    return this.slots.flatMap((s) => {
      const c = s.child;
      return c?.pid === undefined || c.exitCode !== null || c.signalCode !== null ? [] : [c.pid];
    });
  }

  /** Start every worker; fails if one cannot start (its reason in the error). */
  async start(): Promise<void> {
    this.offTokens = this.o.tokens.onChange((mac, entry) => this.broadcast({ type: 'token', mac, entry: entry === undefined ? undefined : tokenToWire(entry) }));
    await Promise.all(this.slots.map((s) => this.spawn(s)));
  }

  /**
   * Hand an accepted, unread connection to the next worker in turn and return how to close it
   * there; undefined when it is the agent's own turn or no worker is ready (a restarting one is
   * skipped), and the caller serves it.
   */
  handOff(socket: Socket, lease: Lease): (() => void) | undefined {
    const n = this.slots.length + 1;
    for (let tries = 0; tries < n; tries++) {
      const k = this.turn++ % n;
      if (k === 0) return undefined;
      const slot = this.slots[k - 1];
      const child = slot?.child;
      if (slot === undefined || child === undefined || !slot.ready || !child.connected) continue;
      const id = this.nextId++;
      slot.leases.set(id, lease);
      // The agent keeps its copy of the connection until the worker says it took its own: a
      // worker that dies first leaves the agent's copy to close, so the client sees the
      // connection end (and retries) instead of waiting on a socket nobody serves.
      slot.inFlight.push(socket);
      child.send({ type: 'connection', id } satisfies ToWorker, socket, { keepOpen: true }, (err) => {
        if (err === null || err === undefined) return;
        slot.inFlight.splice(slot.inFlight.indexOf(socket), 1);
        socket.destroy();
        this.release(slot, id, undefined);
      });
      return () => {
        // Not yet taken: closing the agent's copy ends it; taken: the worker closes its own.
        if (slot.inFlight.includes(socket)) socket.destroy();
        if (child.connected) child.send({ type: 'drop', id } satisfies ToWorker);
      };
    }
    return undefined;
  }

  private release(slot: Slot, id: number, cut: CutReason | undefined): void {
    const lease = slot.leases.get(id);
    if (lease === undefined) return;
    slot.leases.delete(id);
    this.o.closed(lease, cut);
  }

  /** The boot data changed on disk: workers load it again. */
  reload(): void {
    this.broadcast({ type: 'reload' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.offTokens?.();
    await Promise.all(this.slots.map(async (s) => {
      if (s.timer !== undefined) clearTimeout(s.timer);
      const child = s.child;
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
      const timer = setTimeout(() => {
        this.o.log.warn({ worker: s.index, pid: child.pid }, 'boot worker did not stop in time; killing it');
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }));
  }

  private broadcast(m: ToWorker): void {
    for (const s of this.slots) if (s.child?.connected === true) s.child.send(m);
  }

  private spawn(slot: Slot): Promise<void> {
    const stdio: StdioOptions = this.o.stdio === 'ignore' ? ['ignore', 'ignore', 'ignore', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'];
    // No execArgv: a debugger or profiler flag of the agent must not be copied into every worker.
    const child = fork(MAIN, [], { stdio, execArgv: [], serialization: 'json' });
    slot.child = child;
    const log = this.o.log;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        if (started) return;
        started = true;
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
        reject(new RackerError(ErrorCodes.listen, `boot worker ${slot.index} (pid ${child.pid ?? '?'}) did not start: ${why}`, {
          hint: 'set boot.workers: 0 to serve from the agent process alone, and report the message above',
        }));
      };
      child.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            clearTimeout(timer);
            started = true;
            slot.ready = true;
            slot.readyAt = Date.now();
            log.debug({ worker: slot.index, pid: child.pid }, 'boot worker ready');
            resolve();
            return;
          case 'failed':
            fail(m.message);
            return;
          case 'events':
            for (const w of m.events) this.o.emit(fromWire(w));
            return;
          case 'report': {
            // The worker checked the report against its copy of the tokens; the agent's copy
            // decides whether it was made already (a replay racing to another process).
            const answer = (outcome: 'kept' | 'replay' | 'failed'): void => {
              if (child.connected) child.send({ type: 'reported', id: m.id, outcome } satisfies ToWorker);
            };
            this.o.accept(reportFromWire(m.report)).then((kept) => answer(kept ? 'kept' : 'replay'), (err: unknown) => {
              log.error({ err, worker: slot.index }, 'phone-home from a boot worker not kept');
              answer('failed');
            });
            return;
          }
          case 'took':
            // Closes only the agent's file descriptor; the worker's copy keeps the connection.
            slot.inFlight.shift()?.destroy();
            return;
          case 'closed':
            this.release(slot, m.id, m.cut);
            return;
          case 'stopped':
            return;
        }
      });
      child.on('error', (err) => fail(err.message));
      // The channel closes before 'exit' is reported: stop handing connections to this worker now.
      child.on('disconnect', () => { slot.ready = false; });
      child.on('exit', (code, signal) => {
        slot.ready = false;
        // Sent to a worker that died before taking them: closing the agent's copy ends them.
        for (const socket of slot.inFlight.splice(0)) socket.destroy();
        // Whatever it served died with it.
        for (const id of [...slot.leases.keys()]) this.release(slot, id, undefined);
        if (!started) return fail(`exited (${signal ?? `code ${code ?? '?'}`})`);
        if (this.stopping) return;
        // Crashed while serving: the agent and the other workers go on; bring this one back.
        const delay = slot.restarts.crashed(Date.now() - slot.readyAt).delayMs;
        log.error({ worker: slot.index, pid: child.pid, code, signal, restartInMs: delay }, 'boot worker exited; restarting it');
        slot.timer = setTimeout(() => {
          slot.timer = undefined;
          if (this.stopping) return;
          this.spawn(slot).catch((err: unknown) => log.error({ err, worker: slot.index }, 'boot worker restart failed'));
        }, delay);
      });
      const init: WorkerInit = {
        ...this.o.init, type: 'init', index: slot.index,
        tokens: this.o.tokens.all().map(([mac, e]) => [mac, tokenToWire(e)]),
      };
      child.send(init);
    });
  }
}
