/**
 * A stand-in for the agent's control API: a real HTTP server on a real unix socket, answering
 * with canned responses and recording every request, for testing the factory's agent client
 * (reload after save, discovery) before and independently of the real agent. Like the agent, it
 * answers on the read socket (status.sock) next to the control socket too.
 */
import { createServer, type Server } from 'node:http';
import { unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { READ_SOCKET_NAME } from '../../agent/api/socket-path.js';

export interface RecordedRequest {
  method: string;
  url: string;
  body: string;
}

export type Responder = (req: RecordedRequest) => { status: number; body?: unknown } | 'hang';

export class FakeAgentApi {
  readonly requests: RecordedRequest[] = [];
  private servers: { server: Server; path: string }[] = [];

  constructor(readonly socketPath: string, private readonly respond: Responder) {}

  async start(): Promise<void> {
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec = { method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(rec);
        const answer = this.respond(rec);
        if (answer === 'hang') return;
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    };
    for (const path of [this.socketPath, join(dirname(this.socketPath), READ_SOCKET_NAME)]) {
      const server = createServer(handler);
      this.servers.push({ server, path });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
    }
  }

  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    for (const { server, path } of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(path).catch(() => undefined); /* close() usually removes it already */
    }
  }
}
