/**
 * Writing small responses: always with Content-Length (keep-alive, no chunking), never a body
 * for HEAD, and the byte count back for the request event. Headers go to writeHead as a flat
 * [name, value, …] list, which node:http writes without building and checking a header object.
 */

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';

/** Extra response headers as flat [name, value, name, value, …] pairs. */
export type HeaderPairs = readonly string[];

/**
 * Where a small answer goes: node:http's ServerResponse, or an answer on the fast path
 * (http-fast.ts), which writes the same bytes.
 */
export interface SmallResponse {
  readonly req?: { method?: string };
  readonly headersSent: boolean;
  statusCode: number;
  writeHead(status: number, headers: string[]): unknown;
  end(body?: Buffer): unknown;
}

export class Reply {
  /** Send `body` with `status`. Returns body bytes sent (0 for HEAD). */
  send(res: SmallResponse, status: number, type: string, body: string | Buffer, extra: HeaderPairs = []): number {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, ['Content-Type', type, 'Content-Length', String(buf.length), ...extra]);
    const head = res.req?.method === 'HEAD';
    res.end(head ? undefined : buf);
    return head ? 0 : buf.length;
  }

  text(res: SmallResponse, status: number, body: string | Buffer, extra: HeaderPairs = []): number {
    return this.send(res, status, TEXT, body, extra);
  }

  /** Go's http.NotFound, byte for byte. */
  notFound(res: SmallResponse): number {
    return this.send(res, 404, TEXT, NOT_FOUND, ['X-Content-Type-Options', 'nosniff']);
  }
}

const NOT_FOUND = Buffer.from('404 page not found\n');

export const reply = new Reply();
