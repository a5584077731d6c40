/** Talking to a control socket from tests: plain HTTP over the unix socket, no racker client code. */
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

export function call(socketPath: string, method: string, path: string, body?: string, contentType = 'application/json'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: body === undefined ? {} : { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Open an NDJSON stream and collect its lines until `stop()`. */
export function follow(socketPath: string, path: string): { lines: unknown[]; ready: Promise<void>; waitFor: (n: number) => Promise<void>; stop: () => void } {
  const lines: unknown[] = [];
  let buf = '';
  let wake: (() => void) | undefined;
  const req = request({ socketPath, method: 'GET', path });
  const ready = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      resolve();
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buf.slice(0, i)) as unknown);
          buf = buf.slice(i + 1);
        }
        wake?.();
      });
      res.on('error', () => undefined);
    });
    req.on('error', (e) => { if (!req.destroyed) reject(e); });
  });
  req.end();
  const waitFor = async (n: number): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (lines.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} streamed lines, got ${lines.length}: ${JSON.stringify(lines)}`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 200); });
    }
  };
  return { lines, ready, waitFor, stop: () => req.destroy() };
}
