/**
 * A stand-in for the agent's control API: a real HTTP server on a real unix socket, answering
 * with canned responses and recording every request, for testing the factory's agent client
 * (reload after save, discovery) before and independently of the real agent.
 */
import { createServer, type Server } from 'node:http';
import { unlink } from 'node:fs/promises';

export interface RecordedRequest {
  method: string;
  url: string;
  body: string;
}

export type Responder = (req: RecordedRequest) => { status: number; body?: unknown } | 'hang';

export class FakeAgentApi {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;

  constructor(readonly socketPath: string, private readonly respond: Responder) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
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
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => resolve());
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await unlink(this.socketPath).catch(() => undefined); /* close() usually removes it already */
  }
}
