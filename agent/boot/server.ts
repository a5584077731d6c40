/**
 * The boot service: matchbox's read-only HTTP API plus racker's phone-home endpoint
 * (http-handler.ts), as one Service (start/stop). The data comes from a BootStore held in memory.
 *
 * One listener accepts every connection. With `workers` > 0 the connections are handed in turn
 * to the agent's own HTTP server and to that many worker processes (workers/); the agent
 * re-emits their events, so for the rest of the agent there is one boot service whichever
 * process answered. The listener admits each connection first (connection-limits.ts: a cap and a
 * fair share per client address), wherever it is then served.
 *
 * A phone-home report, whichever process checked it, is accepted here: kept first (`keepReport`:
 * the agent writes it to disk), then counted as made and emitted, and only then is the node told
 * 204. A report the node was told arrived therefore survives a SIGKILL of the agent right after.
 */
import { createServer as createListener, type Server as Listener } from 'node:net';
import type { LevelWithSilent } from 'pino';
import { ErrorCodes, RackerError } from '../lib/errors.js';
import type { Emitter } from '../lib/emitter.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import type { BootEvent, PhoneHomeEvent } from './events.js';
import { ConnectionLimits, type ConnectionCounts, type Lease } from './connection-limits.js';
import { createBootHttpServer, type BootHttp, type ConnectionBounds, type CutReason, type HttpTimeouts } from './http-handler.js';
import { accessPolicy, plainClientIp, type AccessRule } from './node-access.js';
import { NodeTokens } from './phone-home.js';
import { BootStore } from './store.js';
import { BootWorkers } from './workers/pool.js';

export interface BootServiceOptions {
  /** matchbox data directory (groups/, profiles/, ignition/, generic/). */
  dataDir: string;
  /** Served at /assets/; undefined disables it. */
  assetsDir: string | undefined;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  log: Logger;
  events: Emitter<BootEvent>;
  access: AccessRule;
  /** Phone-home tokens; the agent registers one per node. */
  tokens?: NodeTokens;
  /** Keeps an accepted report before the node is answered (the agent's token store writes it to disk); none: kept in memory only. */
  keepReport?: (e: PhoneHomeEvent) => Promise<void>;
  maxHeaderSize?: number;
  accessLog?: boolean;
  reloadDebounceMs?: number;
  /** Extra processes answering on the same socket (0: the agent's process alone). */
  workers?: number;
  /** Where workers' log lines go: the agent's stdout and stderr by default. */
  workerStdio?: 'inherit' | 'ignore';
  /** Tests shorten node:http's timeouts to see them work. */
  httpTimeouts?: HttpTimeouts;
  /** What hostile clients may make the service hold (boot.* in the configuration). */
  limits: BootLimits;
}

export interface BootLimits extends ConnectionBounds {
  maxConnections: number;
  maxConnectionsPerClient: number;
}

/** The service's connections now, and how many it closed itself since it started (metrics). */
export interface ConnectionReport extends ConnectionCounts {
  cut: Record<CutReason, number>;
}

export class BootService implements Service {
  readonly name = 'boot';
  readonly store: BootStore;
  readonly tokens: NodeTokens;
  private listener: Listener | undefined;
  private http: BootHttp | undefined;
  private workers: BootWorkers | undefined;
  private offReload: (() => void) | undefined;
  private readonly log: Logger;
  private readonly limits: ConnectionLimits;
  private readonly cut: Record<CutReason, number> = { pipelined: 0, buffered: 0, idle: 0 };

  constructor(private readonly o: BootServiceOptions) {
    this.log = o.log.child({ component: 'boot' });
    this.store = new BootStore({ dataDir: o.dataDir, log: this.log, debounceMs: o.reloadDebounceMs });
    this.tokens = o.tokens ?? new NodeTokens();
    this.limits = new ConnectionLimits({ maxConnections: o.limits.maxConnections, maxPerClient: o.limits.maxConnectionsPerClient });
  }

  /**
   * A checked phone-home report: false when it was made already; else kept, counted as made and
   * emitted, then true. Keeping it again is harmless (the store holds one per status), so a
   * replay racing it through another process is kept twice but emitted once.
   */
  async accept(e: PhoneHomeEvent): Promise<boolean> {
    if (this.tokens.made(e.mac, e.status)) return false;
    await this.o.keepReport?.(e);
    if (!this.tokens.consume(e.mac, e.status)) return false;
    this.o.events.emit(e);
    return true;
  }

  connections(): ConnectionReport {
    return { ...this.limits.counts(), cut: { ...this.cut } };
  }

  private closed(lease: Lease, cut: CutReason | undefined): void {
    this.limits.release(lease);
    if (cut !== undefined) this.cut[cut]++;
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.store.start(signal);
    signal.throwIfAborted();
    const maxHeaderSize = this.o.maxHeaderSize ?? 8192;
    const accessLog = this.o.accessLog !== false;
    const http = createBootHttpServer({
      data: () => this.store.current, assetsDir: this.o.assetsDir, access: accessPolicy(this.o.access), tokens: this.tokens,
      emit: (e) => this.o.events.emit(e), accept: (e) => this.accept(e), log: this.log, accessLog, maxHeaderSize, timeouts: this.o.httpTimeouts, limits: this.o.limits,
    });
    this.http = http;
    const count = this.o.workers ?? 0;
    if (count > 0) {
      const workers = new BootWorkers({
        count, tokens: this.tokens, emit: (e) => this.o.events.emit(e), accept: (e) => this.accept(e), log: this.log, stdio: this.o.workerStdio,
        closed: (lease, cut) => this.closed(lease, cut),
        init: {
          dataDir: this.o.dataDir, assetsDir: this.o.assetsDir, access: this.o.access,
          maxHeaderSize, accessLog, logLevel: this.log.level as LevelWithSilent, timeouts: this.o.httpTimeouts, limits: this.o.limits,
        },
      });
      this.workers = workers;
      this.offReload = this.store.onReload(() => workers.reload());
      try {
        await workers.start();
      } catch (e) {
        await this.stop();
        throw e;
      }
    }
    // Accepted paused: a connection handed to a worker must not have been read from here.
    const listener = createListener({ pauseOnConnect: true }, (socket) => {
      const address = plainClientIp(socket.remoteAddress);
      // Dropped before a worker has it, the agent's copy is closed; after, the worker is told.
      let drop = (): void => { socket.destroy(); };
      const lease = this.limits.admit(address, () => drop());
      if (lease === undefined) {
        this.log.debug({ client: address }, 'boot service full: refused a connection from a client that has its share');
        socket.destroy();
        return;
      }
      const handed = this.workers?.handOff(socket, lease);
      if (handed !== undefined) drop = handed;
      else http.serve(socket, (cut) => this.closed(lease, cut));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(new RackerError(ErrorCodes.listen, `boot service cannot listen on ${this.o.host}:${this.o.port}: ${err.code ?? err.message}`, {
          hint: err.code === 'EADDRINUSE' ? 'another program (matchbox?) uses the port; stop it or set boot.port' : 'check boot.listenAddress is an address of this machine',
          cause: err,
        }));
      };
      listener.once('error', onError);
      listener.listen({ host: this.o.host, port: this.o.port }, () => {
        listener.off('error', onError);
        resolve();
      });
    }).catch(async (e: unknown) => {
      await this.stop();
      throw e;
    });
    listener.on('error', (err) => this.log.error({ err }, 'boot listener error'));
    this.listener = listener;
    this.log.info({ address: this.address(), workers: count }, 'boot service listening');
  }

  /** Host and port actually bound (after start). */
  address(): { host: string; port: number } {
    const a = this.listener?.address();
    if (a === null || a === undefined || typeof a === 'string') throw new Error('boot service is not listening');
    return { host: a.address, port: a.port };
  }

  /** PIDs of the worker processes (none with workers: 0). */
  workerPids(): number[] {
    return this.workers?.pids() ?? [];
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    // No new connections first (close() stops accepting at once; its callback would wait for the
    // workers' connections too); then the ones in flight finish or are cut after 2 s.
    listener?.close();
    const http = this.http;
    this.http = undefined;
    this.offReload?.();
    await Promise.all([http?.close(), this.workers?.stop()]);
    this.workers = undefined;
    await this.store.stop();
  }

  async healthcheck(): Promise<boolean> {
    return this.listener?.listening === true;
  }
}
