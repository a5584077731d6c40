/**
 * A small HTTPS JSON client for one Redfish service. TLS is verified against the system CAs by
 * default; with a pinned SHA-256 fingerprint (self-signed BMC certificates) the BMC's certificate
 * is fetched once, compared with the pin, and then used as the only trusted CA, so no credential
 * is ever sent to a server that does not hold the pinned certificate's key.
 */
import { request, Agent } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';

export interface RedfishHttpOptions {
  address: string;
  port: number;
  verifyTls: boolean;
  /** SHA-256 fingerprint, hex with or without colons. */
  tlsFingerprint: string | undefined;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** Transport failures, classified for the driver's error messages. */
export class RedfishTransportError extends Error {
  constructor(readonly kind: 'timeout' | 'refused' | 'tls' | 'pin' | 'other', message: string) {
    super(message);
    this.name = 'RedfishTransportError';
  }
}

export const normalizeFingerprint = (f: string): string => f.replace(/:/g, '').toLowerCase();

export class RedfishHttp {
  private agent: Agent | undefined;

  constructor(private readonly o: RedfishHttpOptions) {}

  async send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<HttpResponse> {
    const agent = await this.getAgent();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = request({
        host: this.o.address, port: this.o.port, path, method, agent, timeout: this.o.timeoutMs,
        headers: { Accept: 'application/json', ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) }), ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = text; // not JSON (an HTML error page): keep the text for the message
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', (e) => reject(classify(e)));
      });
      req.on('timeout', () => req.destroy(new RedfishTransportError('timeout', `no answer within ${this.o.timeoutMs} ms`)));
      req.on('error', (e) => reject(classify(e)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async getAgent(): Promise<Agent> {
    if (this.agent !== undefined) return this.agent;
    if (this.o.tlsFingerprint === undefined) {
      this.agent = new Agent({ keepAlive: true, rejectUnauthorized: this.o.verifyTls });
      return this.agent;
    }
    const cert = await this.peerCertificate();
    const want = normalizeFingerprint(this.o.tlsFingerprint);
    if (normalizeFingerprint(cert.fingerprint256) !== want) {
      throw new RedfishTransportError('pin', `the BMC's certificate has fingerprint ${cert.fingerprint256}, not the pinned ${this.o.tlsFingerprint}`);
    }
    const pem = `-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    // The pinned certificate is the only CA; its subject need not match the address (BMCs rarely have names).
    this.agent = new Agent({ keepAlive: true, ca: pem, checkServerIdentity: () => undefined });
    return this.agent;
  }

  private peerCertificate(): Promise<PeerCertificate> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.o.address, port: this.o.port, rejectUnauthorized: false, timeout: this.o.timeoutMs }, () => {
        const cert = socket.getPeerCertificate(false);
        socket.end();
        if (cert.raw === undefined) reject(new RedfishTransportError('tls', 'the BMC presented no certificate'));
        else resolve(cert);
      });
      socket.on('timeout', () => socket.destroy(new RedfishTransportError('timeout', `no answer within ${this.o.timeoutMs} ms`)));
      socket.on('error', (e: Error) => reject(classify(e)));
    });
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
