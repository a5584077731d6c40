/**
 * The boot service: matchbox's read-only HTTP API on node:http, plus racker's phone-home
 * endpoint. One Service (start/stop); the data comes from a BootStore held in memory.
 *
 * Robustness: headers are capped (maxHeaderSize → 431), slow clients time out, a bad query or
 * path is a 400 and an unexpected exception a 500; nothing a client sends can stop the service.
 * Each request produces one access-log line and one BootRequestEvent when its response ends.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCodes, RackerError } from '../lib/errors.js';
import type { Emitter } from '../lib/emitter.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import type { BootEvent, Endpoint } from './events.js';
import { serveAsset } from './handlers/assets.js';
import { reply } from './handlers/reply.js';
import { serveSelection, type SelectionEndpoint } from './handlers/selection.js';
import { LabelError, labelsFromQuery, macLabel, type Labels } from './labels.js';
import { plainClientIp, type NodeAccessPolicy } from './node-access.js';
import { NodeTokens, PHONE_HOME_PATH, PhoneHomeError, readPhoneHome } from './phone-home.js';
import { HOME, IPXE_BOOTSTRAP } from './render.js';
import { BootStore } from './store.js';

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
  access: NodeAccessPolicy;
  /** Phone-home tokens; the agent registers one per node. */
  tokens?: NodeTokens;
  maxHeaderSize?: number;
  accessLog?: boolean;
  reloadDebounceMs?: number;
}

const SELECTION: ReadonlySet<string> = new Set(['/ipxe', '/grub', '/ignition', '/metadata', '/generic']);

interface Outcome {
  endpoint: Endpoint;
  labels?: Labels;
  group?: string;
  profile?: string;
  path?: string;
  bytes: number;
}

export class BootService implements Service {
  readonly name = 'boot';
  readonly store: BootStore;
  readonly tokens: NodeTokens;
  private server: Server | undefined;
  private readonly log: Logger;
  /** Access log: fixed fields with no secrets, so it skips the redaction walk (a fifth of a small request's CPU). */
  private readonly accessLog: Logger;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly o: BootServiceOptions) {
    this.log = o.log.child({ component: 'boot' });
    this.accessLog = this.log.child({}, { redact: [] });
    this.store = new BootStore({ dataDir: o.dataDir, log: this.log, debounceMs: o.reloadDebounceMs });
    this.tokens = o.tokens ?? new NodeTokens();
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.store.start(signal);
    signal.throwIfAborted();
    const server = createServer({
      maxHeaderSize: this.o.maxHeaderSize ?? 8192,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
    }, (req, res) => this.handle(req, res));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      this.log.debug({ err: err.message, code: err.code }, 'bad HTTP request');
      if (!socket.writable) return void socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(new RackerError(ErrorCodes.listen, `boot service cannot listen on ${this.o.host}:${this.o.port}: ${err.code ?? err.message}`, {
          hint: err.code === 'EADDRINUSE' ? 'another program (matchbox?) uses the port; stop it or set boot.port' : 'check boot.listenAddress is an address of this machine',
          cause: err,
        }));
      };
      server.once('error', onError);
      server.listen({ host: this.o.host, port: this.o.port }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'boot HTTP server error'));
    this.server = server;
    this.log.info({ address: this.address() }, 'boot service listening');
  }

  /** Host and port actually bound (after start). */
  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (a === null || a === undefined || typeof a === 'string') throw new Error('boot service is not listening');
    return { host: a.address, port: a.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Downloads in flight get a moment to finish; then they are cut (the node retries).
      const timer = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(timer);
    }
    await this.store.stop();
  }

  async healthcheck(): Promise<boolean> {
    return this.server?.listening === true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    this.route(req, res).then((o) => this.finish(req, res, o, started), (err: unknown) => {
      this.log.error({ err, url: req.url }, 'boot request failed');
      if (!res.headersSent) this.finish(req, res, { endpoint: 'other', bytes: reply.text(res, 500, '500 internal server error\n') }, started);
      else res.destroy();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<Outcome> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    if (path === PHONE_HOME_PATH) return this.phoneHome(req, res, method);
    const endpoint = endpointOf(path);
    if (method !== 'GET' && method !== 'HEAD') {
      return { endpoint, bytes: reply.text(res, 405, '405 method not allowed\n', { Allow: 'GET, HEAD' }) };
    }
    if (endpoint === 'assets') {
      return { endpoint, path: path.slice(8), bytes: await serveAsset(req, res, path.slice(8), { dir: this.o.assetsDir }, reply) };
    }
    if (endpoint === 'home') return { endpoint, bytes: reply.text(res, 200, HOME) };
    if (endpoint === 'boot.ipxe') return { endpoint, bytes: reply.text(res, 200, IPXE_BOOTSTRAP) };
    if (endpoint === 'other') return { endpoint, bytes: reply.notFound(res) };
    let labels: Labels;
    try {
      labels = labelsFromQuery(rawQuery);
    } catch (e) {
      if (!(e instanceof LabelError)) throw e;
      return { endpoint, bytes: reply.text(res, 400, `400 bad request: ${e.message}\n`) };
    }
    const r = serveSelection(res, { endpoint: endpoint as SelectionEndpoint, labels, rawQuery, clientIp: plainClientIp(req.socket.remoteAddress) },
      { data: this.store.current, access: this.o.access, log: this.log });
    return { endpoint, labels, ...r };
  }

  private async phoneHome(req: IncomingMessage, res: ServerResponse, method: string): Promise<Outcome> {
    if (method !== 'POST') return { endpoint: 'events', bytes: reply.text(res, 405, '405 method not allowed\n', { Allow: 'POST' }) };
    const clientIp = plainClientIp(req.socket.remoteAddress);
    try {
      const p = await readPhoneHome(req, this.tokens);
      this.log.info({ mac: p.mac, client: clientIp, status: p.status, reason: p.reason }, 'node phoned home');
      this.o.events.emit({ type: 'phone-home', at: new Date(), mac: p.mac, clientIp, status: p.status, reason: p.reason });
      res.writeHead(204);
      res.end();
      return { endpoint: 'events', labels: { mac: p.mac }, bytes: 0 };
    } catch (e) {
      if (!(e instanceof PhoneHomeError)) throw e;
      this.log.warn({ client: clientIp, status: e.status, reason: e.message }, 'phone-home refused');
      const extra: Record<string, string> = e.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="racker"' } : {};
      // The rest of an oversized body is never read, so the connection cannot be reused.
      if (e.status === 413) extra.Connection = 'close';
      return { endpoint: 'events', bytes: reply.text(res, e.status, `${e.status} ${e.message}\n`, extra) };
    }
  }

  private finish(req: IncomingMessage, res: ServerResponse, o: Outcome, started: number): void {
    const aborted = !res.writableFinished;
    const mac = o.labels === undefined ? undefined : macLabel(o.labels);
    const clientIp = plainClientIp(req.socket.remoteAddress);
    if (this.o.accessLog !== false) {
      this.accessLog.info({ method: req.method, url: (req.url ?? '').slice(0, 512), status: res.statusCode, client: clientIp, ms: Date.now() - started,
        bytes: o.bytes, group: o.group, profile: o.profile, aborted: aborted || undefined }, 'http');
    }
    if (o.endpoint === 'events') return; // the phone-home event itself was emitted already
    this.o.events.emit({
      type: 'request', at: new Date(started), endpoint: o.endpoint, method: req.method ?? 'GET', mac, os: o.labels?.os, clientIp, status: res.statusCode,
      group: o.group, profile: o.profile, ...(o.path === undefined ? {} : { path: o.path }), bytes: o.bytes, aborted,
    });
  }
}

function endpointOf(path: string): Endpoint {
  if (path.startsWith('/assets/')) return 'assets';
  if (path === '/') return 'home';
  if (path === '/boot.ipxe' || path === '/boot.ipxe.0') return 'boot.ipxe';
  if (SELECTION.has(path)) return path.slice(1) as Endpoint;
  return 'other';
}
