import { expect } from 'chai';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { BootEvent } from '../../../agent/boot/events.js';
import { NodeTokens } from '../../../agent/boot/phone-home.js';
import { BootWorkers } from '../../../agent/boot/workers/pool.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { defaultBootLimits, startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';
import { testData, repoRoot } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const NODE1 = '52:54:00:00:00:01';
const TOKEN = 'tok-worker-0123456789abcdef';

/** Running, not a zombie waiting for a reaper (an orphan's reaper may be slow or absent). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('boot workers: extra processes answering on the boot service\'s socket', function () {
  let root: string;
  let dataDir: string;
  let listener: Server;
  let port: number;
  let workers: BootWorkers;
  const tokens = new NodeTokens();
  const events: BootEvent[] = [];
  /** What keeping a report does here (the agent writes it to disk); a test makes it fail. */
  let keep = async (): Promise<void> => undefined;

  before(async () => {
    root = await makeTempDir('racker-workers-');
    dataDir = join(root, 'matchbox');
    await cp(testData('matchbox', 'racker'), dataDir, { recursive: true });
    await mkdir(join(dataDir, 'assets'), { recursive: true });
    await writeFile(join(dataDir, 'assets', 'kernel'), Buffer.alloc(3 * 1024 * 1024, 7));
    listener = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    workers = new BootWorkers({
      count: 2, tokens, emit: (e) => events.push(e), log: silentLogger(), stdio: 'ignore', closed: () => undefined,
      // As BootService.accept: a replay is refused, a report is kept, then counted and emitted.
      accept: async (e) => {
        if (tokens.made(e.mac, e.status)) return false;
        await keep();
        if (!tokens.consume(e.mac, e.status)) return false;
        events.push(e);
        return true;
      },
      init: { dataDir, assetsDir: join(dataDir, 'assets'), access: { reserved: [[NODE1, '127.0.0.2']] }, maxHeaderSize: 8192, accessLog: true, logLevel: 'info', timeouts: undefined, limits: defaultBootLimits() },
    });
    await workers.start();
    // Every connection goes to a worker: where the boot service would serve one itself (handOff
    // undefined: its own turn), the test asks again.
    listener.on('connection', (socket) => {
      const lease = { address: '127.0.0.1', drop: () => undefined };
      if (workers.handOff(socket, lease) === undefined && workers.handOff(socket, lease) === undefined) socket.destroy();
    });
  });

  after(async () => {
    const pids = workers?.pids() ?? [];
    listener?.close();
    await workers?.stop();
    for (const pid of pids) expect(alive(pid), `worker ${pid} still running after stop`).to.equal(false);
    await removeTempDir(root);
  });

  it('answers every endpoint like the agent\'s own process, and each request reaches the agent as an event', async () => {
    const local = await startBoot({ fixture: testData('matchbox', 'racker') });
    try {
      for (const path of [`/ipxe?mac=${NODE1}`, `/grub?mac=${NODE1}`, `/ignition?mac=${NODE1}&os=installed`, '/boot.ipxe', '/nothing', `/ipxe?mac=zz`]) {
        const [w, a] = [await http({ port, path, localAddress: '127.0.0.2' }), await http({ port: local.port, path, localAddress: '127.0.0.2' })];
        expect([w.status, w.headers['content-type'], w.text], path).to.deep.equal([a.status, a.headers['content-type'], a.text]);
      }
    } finally {
      await local.stop();
    }
    const before = events.length;
    await Promise.all(Array.from({ length: 40 }, () => http({ port, path: `/ipxe?mac=${NODE1}` })));
    const got = await until('40 request events', () => (events.length - before >= 40 ? events.slice(before) : undefined));
    expect(got).to.have.length(40);
    expect(got[0]).to.include({ type: 'request', endpoint: 'ipxe', mac: NODE1, status: 200, group: 'node1', profile: 'node', aborted: false, clientIp: '127.0.0.1' });
    expect(got[0]?.at).to.be.instanceOf(Date);
  });

  it('applies the agent\'s access rule: a node\'s Ignition goes only to its reserved address', async () => {
    expect((await http({ port, path: `/ignition?mac=${NODE1}`, localAddress: '127.0.0.2' })).status).to.equal(200);
    expect((await http({ port, path: `/ignition?mac=${NODE1}`, localAddress: '127.0.0.1' })).status).to.equal(403);
  });

  it('streams assets with Range, and the event records the bytes sent', async () => {
    const whole = await http({ port, path: '/assets/kernel' });
    expect([whole.status, whole.body.length]).to.deep.equal([200, 3 * 1024 * 1024]);
    const part = await http({ port, path: '/assets/kernel', headers: { Range: 'bytes=10-19' } });
    expect([part.status, part.body.length, part.headers['content-range']]).to.deep.equal([206, 10, `bytes 10-19/${3 * 1024 * 1024}`]);
    await until('the asset event', () => events.find((e) => e.type === 'request' && e.endpoint === 'assets' && e.bytes === 3 * 1024 * 1024));
  });

  it('checks phone-home tokens registered after the workers started (workers hold digests only), and forgets deleted ones', async () => {
    const post = (status = 'failed') => http({
      port, path: '/racker/v1/events', method: 'POST', body: JSON.stringify({ mac: NODE1, status, reason: 'test' }), localAddress: '127.0.0.2',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    });
    expect((await post()).status).to.equal(401);
    tokens.set(NODE1, TOKEN, { address: '127.0.0.2', expiresAt: Date.now() + 3600_000 });
    // Each connection may land on either worker; both must know the token.
    const accepted = await until('both workers to know the token', async () => {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => post()));
      return statuses.every((r) => r.status === 204) ? statuses : undefined;
    });
    expect(accepted).to.have.length(8);
    await until('the phone-home event', () => events.find((e) => e.type === 'phone-home' && e.mac === NODE1 && e.status === 'failed'));
    // ready is made once: the worker that took it tells the agent, which tells every worker.
    expect((await post('ready')).status).to.equal(204);
    await until('both workers to refuse the replayed ready', async () => {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => post('ready')));
      return statuses.every((r) => r.status === 409) ? true : undefined;
    });
    expect(events.filter((e) => e.type === 'phone-home' && e.status === 'ready')).to.have.length(1);
    // A report the agent cannot keep is not acknowledged: 503, and the node's next try is taken.
    keep = () => Promise.reject(new Error('disk full'));
    const joined = await post('joined');
    expect([joined.status, joined.headers['retry-after']]).to.deep.equal([503, '5']);
    expect(events.filter((e) => e.type === 'phone-home' && e.status === 'joined')).to.have.length(0);
    keep = async () => undefined;
    expect((await post('joined')).status).to.equal(204);
    expect(events.filter((e) => e.type === 'phone-home' && e.status === 'joined')).to.have.length(1);
    tokens.delete(NODE1);
    await until('both workers to forget the token', async () => {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => post()));
      return statuses.every((r) => r.status === 401) ? true : undefined;
    });
  });

  it('serves new boot data after the agent says reload', async () => {
    await writeFile(join(dataDir, 'groups', 'node9.json'), JSON.stringify({ id: 'node9', profile: 'node', selector: { mac: '52:54:00:00:00:09' } }));
    expect((await http({ port, path: '/ipxe?mac=52:54:00:00:00:09' })).status).to.equal(404);
    workers.reload();
    await until('both workers to serve node9', async () => {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => http({ port, path: '/ipxe?mac=52:54:00:00:00:09' })));
      return statuses.every((r) => r.status === 200) ? true : undefined;
    });
  });

  it('restarts a worker that dies, with a new PID, while the other goes on serving', async () => {
    const [victim, other] = workers.pids() as [number, number];
    process.kill(victim, 'SIGKILL');
    // Connections handed to it in the moment between its death and the agent noticing are reset
    // (the client retries); once the agent knows, its turns go to the other worker.
    await until('the agent to notice', () => (workers.pids().includes(victim) ? undefined : true));
    for (let i = 0; i < 4; i++) expect((await http({ port, path: `/ipxe?mac=${NODE1}` })).status).to.equal(200);
    const pids = await until('a replacement worker', () => {
      const now = workers.pids();
      return now.length === 2 && !now.includes(victim) ? now : undefined;
    });
    expect(pids).to.include(other);
    // The replacement got the current data and tokens in its init message.
    await until('the replacement to serve node9', async () => {
      const statuses = await Promise.all(Array.from({ length: 8 }, () => http({ port, path: '/ipxe?mac=52:54:00:00:00:09' })));
      return statuses.every((r) => r.status === 200) ? true : undefined;
    });
  });
});

describe('boot workers never outlive the agent', function () {
  it('exit when the agent process is killed with SIGKILL', async () => {
    const root = await makeTempDir('racker-workers-orphan-');
    const script = join(root, 'agent.mjs');
    // A stand-in agent: a boot service with two workers that prints their PIDs and then waits.
    await writeFile(script, [
      `import { BootService } from ${JSON.stringify(join(repoRoot, 'dist/agent/boot/server.js'))};`,
      `import { Emitter } from ${JSON.stringify(join(repoRoot, 'dist/agent/lib/emitter.js'))};`,
      `import { silentLogger } from ${JSON.stringify(join(repoRoot, 'dist/agent/lib/log.js'))};`,
      `const s = new BootService({ dataDir: ${JSON.stringify(join(root, 'matchbox'))}, assetsDir: undefined, host: '127.0.0.1', port: 0,`,
      `  log: silentLogger(), events: new Emitter(), access: { reserved: undefined }, workers: 2, workerStdio: 'ignore',`,
      `  limits: ${JSON.stringify(defaultBootLimits())} });`,
      'await s.start(new AbortController().signal);',
      'console.log(JSON.stringify(s.workerPids()));',
      'setInterval(() => undefined, 1000);',
    ].join('\n'));
    const agent = execa(process.execPath, [script], { reject: false });
    try {
      const pids = await new Promise<number[]>((resolve, reject) => {
        agent.stdout?.once('data', (d: Buffer) => resolve(JSON.parse(d.toString('utf8')) as number[]));
        void agent.then((r) => reject(new Error(`stand-in agent exited: ${r.stderr}`)));
      });
      expect(pids).to.have.length(2);
      for (const pid of pids) expect(alive(pid)).to.equal(true);
      process.kill(agent.pid as number, 'SIGKILL');
      await agent;
      await until('the workers to exit', () => (pids.every((p) => !alive(p)) ? true : undefined));
    } finally {
      if (agent.exitCode === null && agent.signalCode === null && agent.pid !== undefined) process.kill(agent.pid, 'SIGKILL');
      await removeTempDir(root);
    }
  });
});

describe('boot service with workers: one listener hands connections out in turn', function () {
  let b: BootHarness;
  before(async () => {
    b = await startBoot({ fixture: testData('matchbox', 'racker'), workers: 2, httpTimeouts: { headersTimeout: 500, requestTimeout: 1000, connectionsCheckingInterval: 100 } });
  });
  after(async () => { await b?.stop(); });

  it('gives each process (the agent and two workers) an equal share of new connections', async () => {
    const sockets = await Promise.all(Array.from({ length: 6 }, () => keptAlive(b.port, `/ipxe?mac=${NODE1}`)));
    try {
      const { stdout } = await execa('ss', ['-tnpH', 'state', 'established', `( sport = :${b.port} )`]);
      const perPid = new Map<string, number>();
      for (const m of stdout.matchAll(/pid=(\d+)/g)) perPid.set(m[1] as string, (perPid.get(m[1] as string) ?? 0) + 1);
      expect([...perPid.keys()].sort()).to.deep.equal([String(process.pid), ...b.service.workerPids().map(String)].sort());
      expect([...perPid.values()]).to.deep.equal([2, 2, 2]);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('answers headers sent too slowly with 408 in the agent\'s process and in the workers (node:http\'s timeouts are armed)', async () => {
    // Three connections in a row: one for each process.
    for (let i = 0; i < 3; i++) {
      const answer = await new Promise<string>((resolve, reject) => {
        const c = connect(b.port, '127.0.0.1', () => c.write('GET /ipxe HTTP/1.1\r\nHost: x\r\n'));
        let got = '';
        c.on('data', (d: Buffer) => { got += d.toString('latin1'); });
        c.on('close', () => resolve(got));
        c.on('error', reject);
        setTimeout(() => { c.destroy(); resolve(`still open after 5 s: ${got}`); }, 5000);
      });
      expect(answer.split('\r\n')[0], `connection ${i + 1}`).to.equal('HTTP/1.1 408 Request Timeout');
    }
  });
});

/** A connection that has had one answer and stays open (keep-alive). */
function keptAlive(port: number, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
    c.once('data', () => resolve(c));
    c.on('error', reject);
  });
}
