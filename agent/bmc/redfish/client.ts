/**
 * A small HTTPS JSON client for one Redfish service. TLS is verified against the system CAs by
 * default. With a pinned SHA-256 fingerprint (self-signed BMC certificates, or a private CA the
 * management node does not trust) every connection's leaf certificate is compared with the pin
 * once the handshake is done and before any request, so no credential is ever sent to a server
 * that does not hold the pinned certificate's key, whoever issued it.
 *
 * The BMC is not trusted with the agent's memory: a response body larger than MAX_BODY_BYTES, or
 * one that does not arrive within the timeout, ends the request. Redirects are followed only to
 * the same origin (scheme, address and port), so credentials never leave the BMC.
 */
import { request, Agent, type AgentOptions } from 'node:https';
import { connect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

export interface RedfishHttpOptions {
  address: string;
  port: number;
  verifyTls: boolean;
  /** SHA-256 fingerprint of the BMC's own (leaf) certificate, hex with or without colons. */
  tlsFingerprint: string | undefined;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The path the answer came from, after redirects. */
  path: string;
  /** Redirects followed to get here ("GET /redfish/v1 → 308 /redfish/v1/"). */
  redirects: string[];
}

/** Transport failures, classified for the driver's error messages. */
export class RedfishTransportError extends Error {
  constructor(readonly kind: 'timeout' | 'refused' | 'tls' | 'pin' | 'redirect' | 'too-large' | 'other', message: string) {
    super(message);
    this.name = 'RedfishTransportError';
  }
}

/** Larger than any Redfish resource racker reads (a 64-node collection is ~10 KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

export const normalizeFingerprint = (f: string): string => f.replace(/:/g, '').toLowerCase();

export class RedfishHttp {
  private agent: Agent | undefined;

  constructor(private readonly o: RedfishHttpOptions) {}

  /** One request; redirects within the BMC's origin are followed (307/308 keep method and body). */
  async send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<HttpResponse> {
    const redirects: string[] = [];
    const m = method;
    let p = path;
    const b = body;
    for (;;) {
      const r = await this.once(m, p, headers, b);
      const location = r.headers.location;
      if (![301, 302, 303, 307, 308].includes(r.status) || typeof location !== 'string') return { ...r, path: p, redirects };
      if (redirects.length >= MAX_REDIRECTS) throw new RedfishTransportError('redirect', `more than ${MAX_REDIRECTS} redirects from ${path}`);
      const next = this.sameOrigin(location, p);
      redirects.push(`${m} ${p} → ${r.status} ${next}`);
      // 307/308 promise the same method and body; the others are followed by reads only.
      if (r.status !== 307 && r.status !== 308 && m !== 'GET' && m !== 'HEAD') {
        throw new RedfishTransportError('redirect', `${m} ${p} was redirected (${r.status}) to ${next}; only a read may follow that`);
      }
      p = next;
    }
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** The path of a Location on this BMC's origin; another origin is refused (it would receive credentials). */
  private sameOrigin(location: string, from: string): string {
    const base = `https://${this.o.address.includes(':') ? `[${this.o.address}]` : this.o.address}:${this.o.port}`;
    let url: URL;
    try {
      url = new URL(location, `${base}${from}`);
    } catch {
      throw new RedfishTransportError('redirect', `the BMC redirected ${from} to an invalid location`);
    }
    if (url.origin !== new URL(base).origin) throw new RedfishTransportError('redirect', `the BMC redirected ${from} to another origin (${url.origin}); not followed`);
    return `${url.pathname}${url.search}`;
  }

  private once(method: string, path: string, headers: Record<string, string>, body: unknown): Promise<Omit<HttpResponse, 'path' | 'redirects'>> {
    const agent = this.getAgent();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request({
        host: this.o.address, port: this.o.port, path, method, agent, timeout: this.o.timeoutMs,
        headers: { Accept: 'application/json', ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }), ...headers },
      }, (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > MAX_BODY_BYTES) {
          req.destroy(tooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(tooLarge());
          else chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(deadline);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = text.slice(0, 200); // not JSON (an HTML error page): keep its start for the message
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', (e) => reject(classify(e)));
      });
      // The socket timeout catches silence; this one a BMC that answers a byte at a time.
      const deadline = setTimeout(() => req.destroy(new RedfishTransportError('timeout', `no complete answer within ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
      req.on('timeout', () => req.destroy(new RedfishTransportError('timeout', `no answer within ${this.o.timeoutMs} ms`)));
      req.on('error', (e) => {
        clearTimeout(deadline);
        reject(classify(e));
      });
      req.end(payload);
    });
  }

  private getAgent(): Agent {
    if (this.agent !== undefined) return this.agent;
    const pin = this.o.tlsFingerprint;
    if (pin === undefined) {
      this.agent = new Agent({ keepAlive: true, rejectUnauthorized: this.o.verifyTls });
      return this.agent;
    }
    this.agent = new PinnedAgent({ keepAlive: true }, normalizeFingerprint(pin), pin, this.o.timeoutMs);
    return this.agent;
  }
}

const tooLarge = (): RedfishTransportError => new RedfishTransportError('too-large', `the BMC's answer is larger than ${MAX_BODY_BYTES} bytes`);

/**
 * An agent whose connections are handed to the HTTP layer only after the leaf certificate matched
 * the pin; the chain is not verified (the pin is the trust), nor the name (BMCs rarely have one).
 */
class PinnedAgent extends Agent {
  constructor(options: AgentOptions, private readonly want: string, private readonly shown: string, private readonly timeoutMs: number) {
    super(options);
  }

  override createConnection(options: ConnectionOptions, callback?: (err: Error | null, socket: Duplex) => void): Duplex | undefined {
    const socket: TLSSocket = connect({ ...options, rejectUnauthorized: false, timeout: this.timeoutMs });
    const fail = (e: Error): void => {
      socket.destroy();
      callback?.(classify(e), socket);
    };
    socket.once('error', fail);
    socket.once('timeout', () => fail(new RedfishTransportError('timeout', `no TLS handshake within ${this.timeoutMs} ms`)));
    socket.once('secureConnect', () => {
      socket.removeListener('error', fail);
      socket.setTimeout(0);
      const cert = socket.getPeerCertificate(false);
      if (cert.fingerprint256 === undefined) return fail(new RedfishTransportError('tls', 'the BMC presented no certificate'));
      if (normalizeFingerprint(cert.fingerprint256) !== this.want) {
        return fail(new RedfishTransportError('pin', `the BMC's certificate has fingerprint ${cert.fingerprint256}, not the pinned ${this.shown}`));
      }
      callback?.(null, socket);
    });
    return undefined;
  }
}

function classify(e: Error): RedfishTransportError {
  if (e instanceof RedfishTransportError) return e;
  const code = (e as { code?: string }).code ?? '';
  if (code === 'ECONNREFUSED') return new RedfishTransportError('refused', 'connection refused');
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new RedfishTransportError('timeout', code);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return new RedfishTransportError('tls', `certificate not trusted (${code})`);
  return new RedfishTransportError('other', e.message);
}
