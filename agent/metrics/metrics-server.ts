/**
 * Serves the metrics in Prometheus text format at agent.metricsAddress:agent.metricsPort (loopback
 * by default; never bind it to the rack's internal network, where every server is untrusted); port
 * 0 turns the endpoint off.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ErrorCodes, RackerError, isSystemError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';

export class MetricsServer implements Service {
  readonly name = 'metrics';
  private server: Server | undefined;

  constructor(private readonly registry: Registry, private readonly port: number, private readonly log: Logger, private readonly host = '127.0.0.1') {}

  /** The bound port (useful when configured as an ephemeral port in tests); undefined when off. */
  get boundPort(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(_signal: AbortSignal): Promise<void> {
    if (this.port === 0) {
      this.log.info('metrics endpoint off (agent.metricsPort is 0)');
      return;
    }
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => {
          this.log.error({ err }, 'cannot collect metrics');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('cannot collect metrics\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(isSystemError(e, 'EADDRINUSE')
        ? new RackerError(ErrorCodes.conflict, `cannot serve metrics on ${this.host}:${this.port}: the port is in use`, { hint: 'set agent.metricsPort to a free port, or 0 to turn metrics off' })
        : isSystemError(e, 'EADDRNOTAVAIL')
          ? new RackerError(ErrorCodes.config, `cannot serve metrics on ${this.host}:${this.port}: no interface of this machine has that address`, { hint: 'set agent.metricsAddress to 127.0.0.1 or to the public NIC\'s address (ip -br addr shows them)' })
          : e));
      server.listen(this.port, this.host, () => resolve());
    });
    server.keepAliveTimeout = 5_000;
    this.server = server;
    this.log.info({ address: `${this.host}:${this.boundPort}` }, 'serving metrics');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
