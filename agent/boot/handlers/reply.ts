/**
 * Writing small responses: always with Content-Length (keep-alive, no chunking), never a body
 * for HEAD, and the byte count back for the request event.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';

export class Reply {
  /** Send `body` with `status`. Returns body bytes sent (0 for HEAD). */
  send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): number {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length, ...extra });
    const head = (res.req as IncomingMessage | undefined)?.method === 'HEAD';
    res.end(head ? undefined : buf);
    return head ? 0 : buf.length;
  }

  text(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): number {
    return this.send(res, status, TEXT, body, extra);
  }

  /** Go's http.NotFound, byte for byte. */
  notFound(res: ServerResponse): number {
    return this.send(res, 404, TEXT, '404 page not found\n', { 'X-Content-Type-Options': 'nosniff' });
  }
}

export const reply = new Reply();
