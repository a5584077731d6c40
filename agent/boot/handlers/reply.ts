/**
 * Writing small responses: always with Content-Length (keep-alive, no chunking), never a body
 * for HEAD, and the byte count back for the request event. Headers go to writeHead as a flat
 * [name, value, …] list, which node:http writes without building and checking a header object.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';

/** Extra response headers as flat [name, value, name, value, …] pairs. */
export type HeaderPairs = readonly string[];

export class Reply {
  /** Send `body` with `status`. Returns body bytes sent (0 for HEAD). */
  send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: HeaderPairs = []): number {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, ['Content-Type', type, 'Content-Length', String(buf.length), ...extra]);
    const head = (res.req as IncomingMessage | undefined)?.method === 'HEAD';
    res.end(head ? undefined : buf);
    return head ? 0 : buf.length;
  }

  text(res: ServerResponse, status: number, body: string | Buffer, extra: HeaderPairs = []): number {
    return this.send(res, status, TEXT, body, extra);
  }

  /** Go's http.NotFound, byte for byte. */
  notFound(res: ServerResponse): number {
    return this.send(res, 404, TEXT, NOT_FOUND, ['X-Content-Type-Options', 'nosniff']);
  }
}

const NOT_FOUND = Buffer.from('404 page not found\n');

export const reply = new Reply();
