/**
 * The boot service's fast path: the requests a rack's boot storm is made of (GET or HEAD of /ipxe,
 * /ignition, /boot.ipxe …, answered from memory) are parsed and answered on the socket directly.
 * node:http's request and response objects cost more than such an answer: a bare node:http server
 * measured 56–67k requests/s here and the same answer written on a net.Socket 137–144k.
 *
 * INVARIANTS: the fast path answers only what it fully understands and never rejects anything.
 * A request it is not sure of — another method, a body, HTTP/1.0, no Host, an unusual header or
 * byte, an asset or phone-home, a head larger than maxHeaderSize or split across reads — goes to
 * node:http together with the connection and every byte not yet answered, and node:http decides
 * (400, 408, 413, 431 …) from then on; answers already written stay in order before its own.
 * Between requests a fast connection has nothing half-read, so the only timeout it needs is
 * keep-alive's idle one.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { SmallResponse } from './handlers/reply.js';

export interface FastRequest {
  method: 'GET' | 'HEAD';
  /** Request target as sent (path and query), visible ASCII only. */
  url: string;
  /** The client asked to close the connection after this answer. */
  close: boolean;
}

/** Answer `req` on `res` and return true, or return false: node:http takes the connection from this request on. */
export type FastAnswer = (req: FastRequest, res: FastResponse) => boolean;

export interface FastPathOptions {
  maxHeaderSize: number;
  /** How long a new connection may stay silent (node:http's headersTimeout). */
  firstRequestTimeoutMs: number;
  /** How long a connection may stay idle after an answer (node:http's keepAliveTimeout). */
  keepAliveTimeoutMs: number;
  answer: FastAnswer;
  /** Give the connection to node:http; `unread` (not yet answered) is what it reads first. */
  handOff: (socket: Socket, unread: Buffer | undefined) => void;
}

const TARGET = /^\/[\x21-\x7e]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
const CLOSE = /(?:^|,)[\t ]*close[\t ]*(?:,|$)/i;

/**
 * Parse the head text[start, end) (end: where its blank line starts). Undefined when it is not a
 * plain GET/HEAD HTTP/1.1 request without a body: node:http takes it.
 */
export function parseFastHead(text: string, start: number, end: number): FastRequest | undefined {
  const lineEnd = text.indexOf('\r\n', start);
  if (lineEnd < 0 || lineEnd >= end) return undefined; // no header at all, so no Host
  const sp1 = text.indexOf(' ', start);
  if (sp1 < 0 || sp1 > lineEnd) return undefined;
  const method = text.slice(start, sp1);
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 > lineEnd || text.slice(sp2 + 1, lineEnd) !== 'HTTP/1.1') return undefined;
  const url = text.slice(sp1 + 1, sp2);
  if (!TARGET.test(url)) return undefined;
  let host = false;
  let close = false;
  for (let at = lineEnd + 2; at < end;) {
    let next = text.indexOf('\r\n', at);
    if (next < 0 || next > end) next = end;
    const colon = text.indexOf(':', at);
    if (colon < 0 || colon > next) return undefined;
    const name = text.slice(at, colon);
    const value = text.slice(colon + 1, next);
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) return undefined;
    switch (name.toLowerCase()) {
      case 'host':
        if (host) return undefined;
        host = true;
        break;
      case 'connection':
        if (CLOSE.test(value)) close = true;
        break;
      case 'content-length':
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return undefined;
    }
    at = next + 2;
  }
  return host ? { method, url, close } : undefined;
}

/** Date header value, formatted once per second. */
let dateSecond = -1;
let dateValue = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

/**
 * One answer on a fast connection, written the way node:http writes it: the status line, the
 * handler's headers, Date, then Connection (and Keep-Alive) — tests compare the two byte for byte.
 */
export class FastResponse implements SmallResponse {
  statusCode = 200;
  headersSent = false;
  private head = '';
  readonly req: { method: string };

  /** @param ending the Connection header (and Keep-Alive) and the blank line that end the head */
  constructor(private readonly socket: Socket, method: string, private readonly ending: string) {
    this.req = { method };
  }

  writeHead(status: number, headers: string[]): void {
    this.statusCode = status;
    this.headersSent = true;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
    head += `Date: ${httpDate()}\r\n`;
    this.head = head + this.ending;
  }

  /** Head and body leave in one write: one buffer, not a writev of two (a tenth of a request's CPU). */
  end(body?: Buffer): void {
    const head = this.head;
    this.head = '';
    if (body === undefined || body.length === 0) {
      this.socket.write(head, 'latin1');
      return;
    }
    const out = Buffer.allocUnsafe(head.length + body.length);
    out.write(head, 0, 'latin1');
    out.set(body, head.length);
    this.socket.write(out);
  }

  /** An answer that failed half-way cannot be finished: the connection goes. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** Serve `socket` on the fast path until it closes or a request needs node:http. */
export function serveFast(socket: Socket, o: FastPathOptions): void {
  // As node:http writes it: whole seconds, rounded down; no Keep-Alive header without a timeout.
  const keepAlive = o.keepAliveTimeoutMs > 0 ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(o.keepAliveTimeoutMs / 1000)}\r\n\r\n` : 'Connection: keep-alive\r\n\r\n';
  // Idle past keep-alive, or reset by the client: nothing is half-done, so just close.
  const drop = (): void => {
    socket.destroy();
  };
  const handOff = (unread: Buffer | undefined): void => {
    socket.off('data', onData);
    socket.off('timeout', drop);
    socket.off('error', drop);
    socket.setTimeout(0);
    socket.pause();
    o.handOff(socket, unread);
  };
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('latin1');
    let at = 0;
    socket.cork(); // every answer in this chunk leaves in one write
    try {
      while (at < text.length) {
        const end = text.indexOf('\r\n\r\n', at);
        if (end < 0 || end - at > o.maxHeaderSize) break;
        const req = parseFastHead(text, at, end);
        if (req === undefined) break;
        if (!o.answer(req, new FastResponse(socket, req.method, req.close ? 'Connection: close\r\n\r\n' : keepAlive))) break;
        at = end + 4;
        if (req.close) {
          socket.off('data', onData);
          socket.end();
          return;
        }
      }
    } finally {
      socket.uncork();
    }
    if (at < text.length) handOff(at === 0 ? chunk : chunk.subarray(at));
    else if (!answered) {
      answered = true;
      socket.setTimeout(o.keepAliveTimeoutMs);
    }
  };
  let answered = false;
  socket.on('data', onData);
  socket.on('timeout', drop);
  socket.on('error', drop);
  socket.setTimeout(o.firstRequestTimeoutMs);
  socket.resume();
}
