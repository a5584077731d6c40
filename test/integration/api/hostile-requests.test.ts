import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { freePort, isReady, runRacker, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { call } from '../../lib/agent-api.js';
import { bootstrapBody } from '../../lib/bootstrap-request.js';

/** Raw bytes to the control socket; resolves with everything the agent sent before it closed (or 2 s of silence after an answer). */
function raw(socketPath: string, bytes: string | Buffer, more?: (s: Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let got = '';
    s.on('data', (c: Buffer) => { got += c.toString(); if (/\r\n\r\n[\s\S]*\n$/.test(got)) s.end(); });
    s.on('error', (e) => (got === '' ? reject(e) : resolve(got)));
    s.on('close', () => resolve(got));
    s.write(bytes);
    more?.(s);
  });
}

const SECRET = 'SECRETSALT';
const SHADOW = `root:$6$${SECRET}$Jm1hYXNzd29yZGhhc2g:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n${SECRET}-key: ${SECRET}-value\n`;

describe('control API: hostile requests against a real agent', function () {
  this.timeout(90_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: AgentProcess | undefined;
  let mirror: Server | undefined;
  const held: Socket[] = [];

  const socket = (): string => join(rack.runDir, 'agent.sock');
  const health = async (): Promise<number> => (await call(socket(), 'GET', '/v1/health')).status;

  beforeEach(async () => {
    dir = await makeTempDir('racker-hostile-');
    // The Flatcar mirror a job downloads from: accepts and never answers, so a job runs until cancelled.
    mirror = createServer((s) => { held.push(s); s.on('error', () => undefined); });
    await new Promise<void>((resolve) => mirror?.listen(0, '127.0.0.1', resolve));
    const mirrorPort = (mirror.address() as { port: number }).port;
    rack = await writeFakeRack(dir, {
      isolated: { bootPort: await freePort() },
      configYaml: `agent:\n  metricsPort: ${await freePort()}\nbootstrap:\n  flatcar:\n    baseUrl: http://127.0.0.1:${mirrorPort}/{channel}\n`,
    });
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady);
  });
  afterEach(async () => {
    await agent?.kill('SIGKILL');
    agent = undefined;
    for (const s of held.splice(0)) s.destroy();
    await new Promise((resolve) => (mirror === undefined ? resolve(undefined) : mirror.close(resolve)));
    await removeTempDir(dir);
  });

  it('answers malformed request lines, bad JSON and huge bodies with 400/413, and lives on', async () => {
    const bad = await raw(socket(), 'GET http://[ HTTP/1.1\r\nHost: agent\r\n\r\n');
    expect(bad).to.match(/^HTTP\/1\.1 400 /);
    expect(bad).to.include('RACKER_E_BAD_REQUEST');
    expect(await health()).to.equal(200);
    expect(await raw(socket(), 'GET //[::1 HTTP/1.1\r\nHost: agent\r\n\r\n')).to.match(/^HTTP\/1\.1 (400|404) /);
    expect(await raw(socket(), '\x00\x01garbage\r\n\r\n')).to.match(/^HTTP\/1\.1 400 /);
    const json = await call(socket(), 'POST', '/v1/jobs', '{"kind": "bootstrap",');
    expect(json.status).to.equal(400);
    // A body larger than the limit: refused when the header says so ...
    expect(await raw(socket(), 'POST /v1/jobs HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{')).to.match(/^HTTP\/1\.1 413 /);
    // ... and when it is sent in chunks without a length.
    const chunked = await raw(socket(), 'POST /v1/jobs HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', (s) => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (let i = 0; i < 8; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
    });
    expect(chunked).to.match(/^HTTP\/1\.1 413 /);
    expect(await health()).to.equal(200);
    expect(agent?.child.exitCode).to.equal(null);
  });

  it('opens no file a job request names: /etc/shadow-style and FIFO paths are refused at once, nothing of the file is kept; cancel and later jobs work', async () => {
    const shadow = join(rack.root, 'shadow');
    await writeFile(shadow, SHADOW, { mode: 0o600 });
    const fifo = join(rack.root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const path of [shadow, fifo, '/etc/shadow']) {
      const r = await call(socket(), 'POST', '/v1/jobs', bootstrapBody({}, { publicAddressing: 'static', staticAddressesFile: path }));
      expect(r.status, r.body).to.equal(400);
      expect((r.json() as { problems: { field: string }[] }).problems.map((p) => p.field)).to.deep.equal(['staticAddresses']);
    }
    // The text itself (what a root CLI would send if told to read /etc/shadow): refused, not quoted.
    const sent = await call(socket(), 'POST', '/v1/jobs', bootstrapBody({ staticAddresses: SHADOW }, { publicAddressing: 'static', staticAddressesFile: shadow }));
    expect(sent.status, sent.body).to.equal(422);
    expect(sent.body).to.include(`${shadow}:1`).and.not.include(SECRET);
    // The CLI reads the file as its user: a FIFO is refused at once (it would block an open), the shadow-style file is not quoted.
    const viaFifo = await runRacker(['bootstrap', '--dry-run', '--yes', '--public-addressing', 'static', '--static-addresses', fifo], rack.env);
    expect(viaFifo.code).to.equal(1);
    expect(viaFifo.stderr).to.include(`${fifo} is not a regular file`);
    const viaShadow = await runRacker(['bootstrap', '--dry-run', '--yes', '--public-addressing', 'static', '--static-addresses', shadow], rack.env);
    expect(viaShadow.code).to.equal(1);
    expect(viaShadow.stderr).to.include(shadow).and.not.include(SECRET);
    expect((await call(socket(), 'GET', '/v1/jobs')).json()).to.deep.equal({ jobs: [] });

    // The agent still takes, cancels and takes again a job.
    const first = await call(socket(), 'POST', '/v1/jobs', bootstrapBody());
    expect(first.status, first.body).to.equal(202);
    const id = (first.json() as { job: { id: string } }).job.id;
    const cancelled = await call(socket(), 'POST', `/v1/jobs/${id}/cancel`);
    expect(cancelled.status, cancelled.body).to.equal(202);
    expect((cancelled.json() as { job: { state: string } }).job.state).to.equal('cancelled');
    const second = await call(socket(), 'POST', '/v1/jobs', bootstrapBody());
    expect(second.status, second.body).to.equal(202);
    await call(socket(), 'POST', `/v1/jobs/${(second.json() as { job: { id: string } }).job.id}/cancel`);
    expect(await health()).to.equal(200);

    // Nothing of the file anywhere the agent keeps or says things.
    const kept: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else if (e.isFile()) kept.push(join(d, e.name));
      }
    };
    await walk(rack.stateDir);
    expect(kept.map((f) => f.slice(rack.stateDir.length))).to.include.members(['/state.json', '/events.ndjson']);
    for (const f of kept) expect(await readFile(f, 'utf8'), f).to.not.include(SECRET);
    expect(JSON.stringify(agent?.logs)).to.not.include(SECRET);
    expect(agent?.stderr()).to.not.include(SECRET);
  });
});
