import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { AgentClient } from '../../../agent/api/client.js';
import { VERSION_HEADER } from '../../../agent/api/http-util.js';
import { ErrorCodes, ValidationError } from '../../../agent/lib/errors.js';
import { rackerVersion } from '../../../agent/lib/racker-version.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

/** The control API's answers, checked on the CLI's side: a stand-in agent on a unix socket answers what each test says. */
describe('api/client: answers are read as replies.ts describes them', () => {
  let dir = '';
  let server: Server | undefined;
  let answer: { version?: string; status?: number; body: string } = { body: '' };
  const client = (): AgentClient => new AgentClient({ socketPath: join(dir, 'agent.sock'), timeoutMs: 5_000 });
  const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
  const node = {
    mac: '02:00:00:00:00:01', hostname: 'node-01', row: 1, nodeType: 'worker', isManagement: false, inInventory: true, secondaryMac: '02:00:00:00:02:01',
    bmc: { mac: '02:00:00:00:01:01', driver: 'ipmi', reachable: null, failures: 0 }, power: { state: 'on' },
    phase: { name: 'ready', since: '2026-12-06T01:00:00.000Z', history: [] },
  };
  const agent = { version: '0.0.1', pid: 1, startedAt: '2026-12-06T01:00:00.000Z', stateGeneration: 1, lastEventSeq: 3 };

  before(async () => {
    dir = await makeTempDir();
    server = createServer((_req, res) => {
      if (answer.version !== undefined) res.setHeader(VERSION_HEADER, answer.version);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
    await new Promise<void>((r) => server?.listen(join(dir, 'agent.sock'), r));
  });
  after(async () => {
    await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
    await removeTempDir(dir);
  });

  it('takes a well-formed answer from an agent of another version', async () => {
    answer = { version: '0.0.1', body: JSON.stringify({ agent, nodes: [node] }) };
    expect((await client().get('/v1/nodes', 'nodes')).nodes.map((n) => n.hostname)).to.deep.equal(['node-01']);
  });

  it('refuses an answer that does not fit from an agent of another version or none, naming the request, field and versions', async () => {
    const own = await rackerVersion();
    for (const version of ['0.0.1', undefined]) {
      answer = { version, body: JSON.stringify({ agent, nodes: [{ ...node, phase: { ...node.phase, name: 'flying' } }] }) };
      const e = await failure(client().get('/v1/nodes', 'nodes'));
      expect(e).to.be.instanceOf(ValidationError);
      const err = e as ValidationError;
      expect([err.code, err.problems[0]?.file, err.problems[0]?.field]).to.deep.equal([ErrorCodes.agentReply, 'GET /v1/nodes', 'nodes.0.phase.name']);
      expect(err.message).to.contain(`the racker agent's answer to GET /v1/nodes is not what racker ${own} expects`);
      expect(err.problems[0]?.hint).to.contain(version === undefined ? 'does not say which racker it is' : `is racker 0.0.1 and this command is racker ${own}`);
    }
  });

  it('takes an answer of its own version as it is (the same code wrote it), but never text that is not JSON', async () => {
    const own = await rackerVersion();
    answer = { version: own, body: JSON.stringify({ agent, nodes: [{ ...node, phase: { ...node.phase, name: 'flying' } }] }) };
    expect((await client().get('/v1/nodes', 'nodes')).nodes[0]?.phase.name).to.equal('flying');
    answer = { version: own, body: '{"agent": ' };
    const e = await failure(client().get('/v1/nodes', 'nodes'));
    expect([(e as ValidationError).code, (e as ValidationError).problems[0]?.message]).to.deep.equal([ErrorCodes.agentReply, 'not JSON: Unexpected end of JSON input']);
    expect((e as ValidationError).problems[0]?.hint).to.contain('bug in racker');
  });

  it('names the line of a streamed event that does not fit', async () => {
    const event = { seq: 1, at: '2026-12-06T01:00:00.000Z', type: 't', level: 'info', message: 'one' };
    answer = { version: '0.0.1', body: `${JSON.stringify(event)}\n${JSON.stringify({ ...event, seq: 'two' })}\n` };
    const seen: number[] = [];
    const e = await failure(client().streamEvents('follow=false', (ev) => seen.push(ev.seq)));
    expect(seen).to.deep.equal([1]);
    const p = (e as ValidationError).problems[0];
    expect([(e as ValidationError).code, p?.file, p?.line, p?.field]).to.deep.equal([ErrorCodes.agentReply, 'GET /v1/events?follow=false', 2, 'seq']);
  });

  it('keeps the code and hint of an error answer, and reports one that is not the agent\'s with its status', async () => {
    answer = { version: '0.0.1', status: 404, body: JSON.stringify({ code: 'RACKER_E_NOT_FOUND', message: 'no job "x"', hint: 'list them' }) };
    const e = await failure(client().get('/v1/jobs/x', 'job'));
    expect([(e as ValidationError).code, (e as Error).message, (e as ValidationError).hint]).to.deep.equal(['RACKER_E_NOT_FOUND', 'no job "x"', 'list them']);
    answer = { version: '0.0.1', status: 502, body: JSON.stringify({ message: 42 }) };
    const f = await failure(client().get('/v1/jobs/x', 'job'));
    expect([(f as ValidationError).code, (f as Error).message]).to.deep.equal([ErrorCodes.agentUnavailable, 'the agent answered HTTP 502: {"message":42}']);
  });
});
