/** Minimal HTTP clients for integration tests: node:http requests and raw bytes over a socket. */
import { request } from 'node:http';
import { connect } from 'node:net';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

export interface HttpRequest {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Source address, e.g. 127.0.0.2 to look like another node on loopback. */
  localAddress?: string;
}

export function http(r: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: r.port, path: r.path, method: r.method ?? 'GET', headers: r.headers, localAddress: r.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Send raw bytes (for requests node:http or curl would refuse or normalise) and read until close. */
export function rawHttp(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(e)));
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.end(data);
  });
}
