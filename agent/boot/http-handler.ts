/**
 * The boot service's request handling: matchbox's read-only endpoints and racker's phone-home,
 * on node:http. The same code runs in the agent's process and in every boot worker process
 * (workers/), each over its own copy of the boot data.
 *
 * Robustness: headers are capped (maxHeaderSize → 431), slow clients time out, a bad query or
 * path is a 400 and an unexpected exception a 500; nothing a client sends can stop the service.
 * Every client is taken to be hostile, so what one connection can make this process hold is
 * bounded: node:http stops reading a connection whose answers are not draining, and a request
 * that arrives while more than `maxBufferedBytes` of answers wait on its connection (a client
 * pipelining without reading) closes the connection instead of adding to them; a connection on
 * which no byte moves for `idleTimeoutMs` (a client that stopped reading a download) is closed.
 * Each request produces one access-log line and one BootRequestEvent when its response ends.
 *
 * Cost: a selection request is answered synchronously (no promise per request) from bodies
 * encoded once per reload; at tens of thousands of requests per second every allocation shows.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../lib/log.js';
import type { BootData } from './boot-data.js';
import type { BootEvent, Endpoint, PhoneHomeEvent } from './events.js';
import { serveAsset } from './handlers/assets.js';
import { reply, type SmallResponse } from './handlers/reply.js';
import { serveSelection } from './handlers/selection.js';
import { LabelError, labelsFromQuery, macLabel, type Labels } from './labels.js';
import { plainClientIp, type NodeAccessPolicy } from './node-access.js';
import { PHONE_HOME_PATH, PhoneHomeError, readPhoneHome, type NodeTokens } from './phone-home.js';
import { HOME, IPXE_BOOTSTRAP } from './render.js';

export interface BootHttpOptions {
  /** The boot data requests use now (replaced as a whole on reload). */
  data: () => BootData;
  /** Served at /assets/; undefined disables it. */
  assetsDir: string | undefined;
  access: NodeAccessPolicy;
  tokens: NodeTokens;
  /** Where request events go. */
  emit: (e: BootEvent) => void;
  /**
   * A checked phone-home report, answered only once this settles: true when the agent kept it
   * (durably: a node told 204 never sends it again), false for a report made already (409); a
   * rejection answers 503 and the node sends it again.
   */
  accept: (e: PhoneHomeEvent) => Promise<boolean>;
  log: Logger;
  accessLog: boolean;
  maxHeaderSize: number;
  /** Tests shorten node:http's timeouts to see them work. */
  timeouts?: HttpTimeouts;
  /** Bounds on what one connection may make this process hold (boot.* in the configuration). */
  limits: ConnectionBounds;
}

export interface ConnectionBounds {
  /** Answers waiting on one connection beyond which its next request closes it instead. */
  maxBufferedBytes: number;
  /** A connection on which nothing is read or written for this long is closed. */
  idleTimeoutMs: number;
}

/** Why the service closed a connection itself (counted in the agent's metrics). */
export type CutReason = 'pipelined' | 'buffered' | 'idle';

export interface HttpTimeouts {
  headersTimeout?: number;
  requestTimeout?: number;
  /** Idle time after which a keep-alive connection is closed. */
  keepAliveTimeout?: number;
  connectionsCheckingInterval?: number;
}

/** node:http's timeouts: headers within 10 s, the whole request within 30 s, idle keep-alive 5 s. */
const HTTP_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 } as const;

const SELECTION: ReadonlySet<string> = new Set(['/ipxe', '/grub', '/ignition', '/metadata', '/generic']);

interface Outcome {
  endpoint: Endpoint;
  labels?: Labels;
  group?: string;
  profile?: string;
  path?: string;
  bytes: number;
}

/** One process's HTTP side of the boot service: it answers the connections it is given. */
export interface BootHttp {
  /**
   * Answer an accepted connection (the listener accepted it paused); `closed` is called once
   * when it is gone, with the reason if the service cut it.
   */
  serve(socket: Socket, closed?: (cut: CutReason | undefined) => void): void;
  /** Stop: idle connections close now, the rest may finish for 2 s and are then cut; resolves when all are closed. */
  close(): Promise<void>;
}

/**
 * The boot endpoints on the connections it is given. node:http's server never listens itself: the
 * boot service's listener accepts and hands each connection here (`server.emit('connection',
 * socket)`, as node:http documents) or to a worker process's. node:http arms its header and
 * request timeouts (slow-loris protection) when a server starts listening, so the server is told
 * it listens; a test sends headers slowly to the agent's process and to a worker and checks for
 * the 408. For the same reason close() cannot wait on the server, which counts only connections
 * it accepted itself: the connections are tracked here.
 */
export function createBootHttpServer(o: BootHttpOptions): BootHttp {
  const open = new Map<Socket, Connection>();
  const handler = new BootHttpHandler(o, (socket) => open.get(socket));
  const timeouts = { ...HTTP_TIMEOUTS, ...o.timeouts };
  const server = createServer({ maxHeaderSize: o.maxHeaderSize, ...timeouts }, (req, res) => handler.handle(req, res));
  // node:http's socket timeout: no byte read or written for this long. Between requests the
  // shorter keep-alive timeout applies; this one cuts a client that stops reading an answer.
  server.setTimeout(o.limits.idleTimeoutMs, (socket: Socket) => {
    const c = open.get(socket);
    if (c !== undefined) c.cut ??= 'idle';
    socket.destroy();
  });
  server.emit('listening');
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    o.log.debug({ err: err.message, code: err.code }, 'bad HTTP request');
    if (!socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  let drained: (() => void) | undefined;
  return {
    serve: (socket, closed) => {
      const c: Connection = { waiting: 0, cut: undefined };
      open.set(socket, c);
      socket.once('close', () => {
        open.delete(socket);
        closed?.(c.cut);
        if (open.size === 0) drained?.();
      });
      server.emit('connection', socket);
      // Runs before node:http's parser sees a read (and makes node:http read through 'data').
      socket.prependListener('data', (chunk: Buffer) => {
        if (requestHeads(chunk, MAX_REQUESTS_PER_READ + 1) <= MAX_REQUESTS_PER_READ) return;
        if (c.cut === undefined) {
          c.cut = 'pipelined';
          o.log.warn({ client: plainClientIp(socket.remoteAddress) }, `closing a boot connection that sent more than ${MAX_REQUESTS_PER_READ} requests at once`);
        }
        // node:http's own listener still gets this chunk; zeroed, it stops at the first byte
        // (a NUL is a parse error anywhere but in a body, and bodies here are a few KiB at most).
        chunk.fill(0);
        socket.destroy();
      });
      socket.resume();
    },
    close: async () => {
      server.close(); // stops node:http's connection checks
      server.closeIdleConnections();
      if (open.size === 0) return;
      const all = new Promise<void>((resolve) => { drained = resolve; });
      // Downloads in flight get a moment to finish; then they are cut (the node retries).
      const timer = setTimeout(() => server.closeAllConnections(), 2000);
      await all;
      clearTimeout(timer);
    },
  };
}

/** What this process holds for one open connection. */
interface Connection {
  /**
   * Bytes of the answers not yet handed to the kernel, as far as they are known: pipelined
   * answers queue in node:http behind an unfinished one (a download's bytes are in the socket's
   * buffer, counted there).
   */
  waiting: number;
  cut: CutReason | undefined;
}

/**
 * Requests one read may carry. node:http parses a whole read (up to 64 KiB: a thousand small
 * GETs) before it can pause, making a request and a response object for each; a flood of those
 * on a few hundred connections was 350 MB of heap here. No boot client pipelines at all.
 */
const MAX_REQUESTS_PER_READ = 16;

/** How many request heads (blank lines) `chunk` holds, counting up to `max`. */
function requestHeads(chunk: Buffer, max: number): number {
  let n = 0;
  for (let at = chunk.indexOf(BLANK_LINE); at >= 0 && n < max; at = chunk.indexOf(BLANK_LINE, at + 4)) n++;
  return n;
}
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

/**
 * What a waiting answer costs besides its body (its head and node:http's objects), roughly: so
 * that a flood of HEAD requests or empty answers is bounded too.
 */
const ANSWER_OVERHEAD = 512;

/** What the access log and the request event need to know about a request, whichever path answered it. */
interface RequestLine {
  method: string;
  url: string;
  clientIp: string;
}

class BootHttpHandler {
  /** Access log: fixed fields with no secrets, so it skips the redaction walk (a fifth of a small request's CPU). */
  private readonly accessLog: Logger;

  constructor(private readonly o: BootHttpOptions, private readonly connection: (socket: Socket) => Connection | undefined) {
    this.accessLog = o.log.child({}, { redact: [] });
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    const c = this.admit(req.socket);
    if (c === false) return;
    const line: RequestLine = { method: req.method ?? 'GET', url: req.url ?? '/', clientIp: plainClientIp(req.socket.remoteAddress) };
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.route(req, res, line);
    } catch (err) {
      return this.failed(line, res, err, started);
    }
    if (outcome instanceof Promise) outcome.then((o) => this.finish(line, res, o, started), (err: unknown) => this.failed(line, res, err, started));
    else {
      this.finish(line, res, outcome, started);
      if (c !== undefined && !res.writableFinished) {
        // Written but not yet taken by the kernel (or queued behind an earlier answer).
        const bytes = outcome.bytes + ANSWER_OVERHEAD;
        c.waiting += bytes;
        res.once('close', () => { c.waiting -= bytes; });
      }
    }
  }

  /**
   * A connection whose answers pile up (the client sends requests but does not read) is closed
   * rather than given one more: its waiting answers are what a flood would make this process hold.
   */
  private admit(socket: Socket): Connection | undefined | false {
    const c = this.connection(socket);
    if (c === undefined) return undefined;
    if (socket.writableLength + c.waiting > this.o.limits.maxBufferedBytes) {
      if (c.cut === undefined) {
        c.cut = 'buffered';
        this.o.log.warn({ client: plainClientIp(socket.remoteAddress), buffered: socket.writableLength + c.waiting },
          'closing a boot connection that sends requests without reading the answers');
      }
      socket.destroy();
      return false;
    }
    return c;
  }

  private failed(line: RequestLine, res: SmallResponse & { destroy(): unknown }, err: unknown, started: number): void {
    this.o.log.error({ err, url: line.url }, 'boot request failed');
    if (!res.headersSent) this.finish(line, res, { endpoint: 'other', bytes: reply.text(res, 500, '500 internal server error\n') }, started);
    else res.destroy();
  }

  /** Synchronous for everything but assets and phone-home, which wait for the disk or the body. */
  private route(req: IncomingMessage, res: ServerResponse, line: RequestLine): Outcome | Promise<Outcome> {
    const { path, endpoint, rawQuery } = splitTarget(line.url);
    if (endpoint === 'events') return this.phoneHome(req, res, line);
    if (line.method !== 'GET' && line.method !== 'HEAD') {
      return { endpoint, bytes: reply.text(res, 405, '405 method not allowed\n', ['Allow', 'GET, HEAD']) };
    }
    if (endpoint === 'assets') {
      const asset = path.slice(8);
      return serveAsset(req, res, asset, { dir: this.o.assetsDir }, reply).then((bytes) => ({ endpoint, path: asset, bytes }));
    }
    return this.fromMemory(endpoint, rawQuery, line.clientIp, res);
  }

  /** The endpoints answered from the boot data in memory: a GET or HEAD of anything but assets and phone-home. */
  private fromMemory(endpoint: Exclude<Endpoint, 'assets' | 'events'>, rawQuery: string, clientIp: string, res: SmallResponse): Outcome {
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
    const r = serveSelection(res, { endpoint, labels, rawQuery, clientIp }, { data: this.o.data(), access: this.o.access, log: this.o.log });
    return { endpoint, labels, ...r };
  }

  private async phoneHome(req: IncomingMessage, res: ServerResponse, line: RequestLine): Promise<Outcome> {
    if (line.method !== 'POST') return { endpoint: 'events', bytes: reply.text(res, 405, '405 method not allowed\n', ['Allow', 'POST']) };
    const clientIp = line.clientIp;
    try {
      const p = await readPhoneHome(req, this.o.tokens, clientIp);
      const event: PhoneHomeEvent = { type: 'phone-home', at: new Date(), mac: p.mac, clientIp, status: p.status, reason: p.reason, ...(p.output === undefined ? {} : { output: p.output }), ...(p.inventory === undefined ? {} : { inventory: p.inventory }) };
      let kept: boolean;
      try {
        kept = await this.o.accept(event);
      } catch (err) {
        this.o.log.error({ err, mac: p.mac, status: p.status }, 'phone-home not kept; the node is told to send it again');
        throw new PhoneHomeError(503, 'the report could not be kept; send it again');
      }
      if (!kept) throw new PhoneHomeError(409, `${p.status} was already reported with this token`);
      this.o.log.info({ mac: p.mac, client: clientIp, status: p.status, reason: p.reason }, 'node phoned home');
      res.writeHead(204);
      res.end();
      return { endpoint: 'events', labels: { mac: p.mac }, bytes: 0 };
    } catch (e) {
      if (!(e instanceof PhoneHomeError)) throw e;
      this.o.log.warn({ client: clientIp, status: e.status, reason: e.message }, 'phone-home refused');
      const extra = e.status === 401 ? ['WWW-Authenticate', 'Bearer realm="racker"'] : e.status === 503 ? ['Retry-After', '5'] : [];
      // The rest of an oversized body is never read, so the connection cannot be reused.
      if (e.status === 413) extra.push('Connection', 'close');
      return { endpoint: 'events', bytes: reply.text(res, e.status, `${e.status} ${e.message}\n`, extra) };
    }
  }

  private finish(line: RequestLine, res: SmallResponse & { destroyed?: boolean; writableFinished?: boolean }, o: Outcome, started: number): void {
    // Small answers are written synchronously, before their 'finish' event: only a response
    // destroyed before it finished (the client went away mid-download) counts as aborted.
    const aborted = res.destroyed === true && res.writableFinished !== true;
    const mac = o.labels === undefined ? undefined : macLabel(o.labels);
    if (this.o.accessLog) {
      this.accessLog.info({ method: line.method, url: line.url.slice(0, 512), status: res.statusCode, client: line.clientIp, ms: Date.now() - started,
        bytes: o.bytes, group: o.group, profile: o.profile, aborted: aborted || undefined }, 'http');
    }
    if (o.endpoint === 'events') return; // an accepted report is the agent's own event
    this.o.emit({
      type: 'request', at: new Date(started), endpoint: o.endpoint, method: line.method, mac, os: o.labels?.os, clientIp: line.clientIp, status: res.statusCode,
      group: o.group, profile: o.profile, ...(o.path === undefined ? {} : { path: o.path }), bytes: o.bytes, aborted,
    });
  }
}

/** Path, endpoint and raw query of a request target: the one place that decides which endpoint a request is for. */
function splitTarget(url: string): { path: string; endpoint: Endpoint; rawQuery: string } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return { path, endpoint: endpointOf(path), rawQuery: q < 0 ? '' : url.slice(q + 1) };
}

function endpointOf(path: string): Endpoint {
  if (path.startsWith('/assets/')) return 'assets';
  if (path === PHONE_HOME_PATH) return 'events';
  if (path === '/') return 'home';
  if (path === '/boot.ipxe' || path === '/boot.ipxe.0') return 'boot.ipxe';
  if (SELECTION.has(path)) return path.slice(1) as Endpoint;
  return 'other';
}
