/**
 * The boot service's fast path against node:http, over real sockets: the same request answered
 * by each (a `Content-Length: 0` header makes the fast path hand the connection over) gives the
 * same bytes but the Date; a connection that moves to node:http mid-way keeps its answers in
 * order; a request split across reads, keep-alive's idle timeout and Connection: close work.
 */
import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { rawHttp } from '../../lib/http-client.js';
import { testData } from '../../lib/paths.js';
import { IPXE_BOOTSTRAP } from '../../../agent/boot/render.js';

const MAC = '52:54:00:a1:9c:ae';
const handOffs = (b: BootHarness): number => b.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('connection continues on node:http')).length;
const undated = (s: string): string => s.replace(/\r\nDate: [^\r]+\r\n/g, '\r\nDate: -\r\n');

/** Read from a connection until `done` says the bytes so far are complete, or it closes. */
function readUntil(s: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString('latin1');
      if (done(text)) finish();
    };
    const finish = (): void => {
      s.off('data', onData);
      s.off('close', finish);
      s.off('error', reject);
      resolve(text);
    };
    s.on('data', onData);
    s.on('close', finish);
    s.on('error', reject);
  });
}

/** Send requests (the last with Connection: close) without closing our side, and read until the server closes. */
async function exchange(port: number, requests: string): Promise<string> {
  const s = connect({ host: '127.0.0.1', port });
  try {
    s.write(requests);
    return await readUntil(s, () => false);
  } finally {
    s.destroy();
  }
}

describe('boot service fast path (real HTTP)', function () {
  let b: BootHarness;
  before(async () => {
    b = await startBoot({ fixture: testData('matchbox', 'examples'), httpTimeouts: { keepAliveTimeout: 500 } });
    await writeFile(join(b.assetsDir, 'kernel'), 'k'.repeat(1000));
  });
  after(async () => { await b?.stop(); });

  const targets = ['/', '/boot.ipxe', `/ipxe?mac=${MAC}`, `/ignition?mac=${MAC}&os=installed`, `/ignition?mac=${MAC}`, `/metadata?mac=${MAC}&x=1`,
    '/nothing-here', '/ipxe?mac=zz', '/grub?os=installed'];
  for (const target of targets) {
    for (const method of ['GET', 'HEAD']) {
      it(`answers ${method} ${target} as node:http does, byte for byte but the Date`, async () => {
        const before = handOffs(b);
        // Two requests on one connection: the first keeps it open (keep-alive headers), the second closes it.
        const fast = await rawHttp(b.port, `${method} ${target} HTTP/1.1\r\nHost: x\r\n\r\n${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(handOffs(b), 'the fast path answered').to.equal(before);
        const slow = await rawHttp(b.port, `${method} ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(handOffs(b), 'node:http answered').to.equal(before + 1);
        expect(undated(fast)).to.equal(undated(slow));
        expect(fast).to.match(/^HTTP\/1\.1 \d{3} /);
        expect(fast).to.include('Connection: keep-alive\r\nKeep-Alive: timeout=0\r\n');
      });
    }
  }

  it('keeps the answers in order when a connection moves to node:http mid-way', async () => {
    const before = handOffs(b);
    const out = await exchange(b.port, 'GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n\r\n'
      + 'GET /assets/kernel HTTP/1.1\r\nHost: x\r\n\r\n'
      + `GET /ipxe?mac=${MAC} HTTP/1.1\r\nHost: x\r\n\r\n`
      + 'GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(handOffs(b)).to.equal(before + 1);
    const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]); // the asset body ends without a newline
    expect(statuses).to.deep.equal(['200', '200', '200', '404']);
    const at = (needle: string): number => out.indexOf(needle);
    expect(at('#!ipxe\nchain ipxe?')).to.be.greaterThan(-1);
    expect(at('k'.repeat(1000))).to.be.greaterThan(at('#!ipxe\nchain ipxe?'));
    expect(at('kernel /assets/')).to.be.greaterThan(at('k'.repeat(1000)));
    expect(at('404 page not found')).to.be.greaterThan(at('kernel /assets/'));
  });

  it('answers a request whose head arrives in two reads', async () => {
    const s = connect({ host: '127.0.0.1', port: b.port });
    try {
      await new Promise((resolve) => s.once('connect', resolve));
      s.write(`GET /ipxe?mac=${MAC} HTTP/1.1\r\nHo`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      s.write('st: x\r\nConnection: close\r\n\r\n');
      const out = await readUntil(s, () => false);
      expect(out.split('\r\n')[0]).to.equal('HTTP/1.1 200 OK');
      expect(out).to.include('kernel /assets/');
    } finally {
      s.destroy();
    }
  });

  it('closes a fast connection after the keep-alive timeout, and one that asked to close at once', async () => {
    const idle = connect({ host: '127.0.0.1', port: b.port });
    try {
      idle.write('GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n\r\n');
      const first = await readUntil(idle, (t) => t.endsWith(IPXE_BOOTSTRAP));
      expect(first.split('\r\n')[0]).to.equal('HTTP/1.1 200 OK');
      expect(idle.destroyed).to.equal(false);
      // The server closes it: without the idle timeout this waits until mocha's timeout.
      await new Promise((resolve) => idle.once('close', resolve));
    } finally {
      idle.destroy();
    }
    const out = await exchange(b.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(out).to.include('Connection: close\r\n');
    expect(out.endsWith('matchbox\n')).to.equal(true);
  });

  it('reports every fast answer as a request event with its group and profile', async () => {
    const n = b.events.length;
    await rawHttp(b.port, `GET /ipxe?mac=${MAC} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const e = await b.waitForEvent((x) => b.events.indexOf(x) >= n && x.type === 'request');
    expect(e).to.include({ type: 'request', endpoint: 'ipxe', method: 'GET', status: 200, mac: MAC, group: 'stage-0', profile: 'flatcar-install' });
  });
});
