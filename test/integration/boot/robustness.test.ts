import { expect } from 'chai';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http, rawHttp } from '../../lib/http-client.js';
import { testData } from '../../lib/paths.js';

describe('boot service robustness (real HTTP)', function () {
  let b: BootHarness;
  before(async () => { b = await startBoot({ fixture: testData('matchbox', 'examples'), maxHeaderSize: 4096 }); });
  after(async () => { await b?.stop(); });
  const alive = async () => expect((await http({ port: b.port, path: '/boot.ipxe' })).status).to.equal(200);

  it('answers huge headers with 431 and keeps serving', async () => {
    const res = await rawHttp(b.port, `GET /ipxe HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.split('\r\n')[0]).to.equal('HTTP/1.1 431 Request Header Fields Too Large');
    await alive();
  });

  it('answers garbage and malformed requests with 400 and keeps serving', async () => {
    for (const junk of ['\x00\x01\x02 garbage\r\n\r\n', 'GET /ipxe HTTP/9.9\r\n\r\n', 'GET  HTTP/1.1\r\n\r\n', 'GET /ipxe HTTP/1.1\r\nHost x\r\n\r\n']) {
      const res = await rawHttp(b.port, junk);
      expect(res.split('\r\n')[0], JSON.stringify(junk)).to.match(/^HTTP\/1\.1 400 /);
    }
    await alive();
  });

  it('answers malformed queries with 400 and keeps serving', async () => {
    const queries = ['mac=%', 'mac=%G0', 'a;b=c', `mac=${'x'.repeat(3000)}`, '%%%%', 'mac=52:54:00:a1:9c'];
    for (const q of queries) {
      const r = await http({ port: b.port, path: `/ignition?${q}` });
      expect(r.status, q).to.equal(400);
    }
    // Only the first value counts (matchbox), so a bad second mac is never looked at.
    expect((await http({ port: b.port, path: '/ipxe?mac=52-54-00-a1-9c-ae&mac=zz' })).status).to.equal(200);
    // Non-UTF-8 bytes are not an error: they are a label value like any other.
    expect((await http({ port: b.port, path: '/metadata?h=%ff' })).status).to.equal(200);
    await alive();
  });

  it('survives a burst of pipelined requests on one keep-alive connection interleaved with bad ones', async () => {
    // Sixteen at once, the most one read may carry.
    const pipelined = Array.from({ length: 15 }, (_, i) => (i % 5 === 0 ? 'GET /ipxe?mac=zz HTTP/1.1\r\nHost: x\r\n\r\n' : 'GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n\r\n')).join('')
      + 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const res = await rawHttp(b.port, pipelined);
    expect(res.match(/HTTP\/1\.1 200 OK/g)?.length).to.equal(13);
    expect(res.match(/HTTP\/1\.1 400 Bad Request/g)?.length).to.equal(3);
    await alive();
  });

  it('closes a connection that sends requests without reading the answers once they pass boot.maxBufferedBytes', async () => {
    await mkdir(b.assetsDir, { recursive: true });
    await writeFile(join(b.assetsDir, 'big.bin'), '');
    await truncate(join(b.assetsDir, 'big.bin'), 256 * 1024 * 1024);
    const cut = b.service.connections().cut.buffered;
    const s = connect({ host: '127.0.0.1', port: b.port });
    s.pause(); // never read
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    s.on('error', () => undefined);
    await new Promise((resolve) => s.once('connect', resolve));
    s.write('GET /assets/big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    // One request per write (node:http reads each alone): once the download fills the kernel's
    // buffers, the answers waiting pass the bound and the next request closes the connection.
    for (let i = 0; i < 100 && s.readyState === 'open'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s.write('GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n\r\n');
    }
    await closed;
    expect(b.service.connections().cut.buffered).to.equal(cut + 1);
    await alive();
  });

  it('closes a connection that sends more than 16 requests in one go, without answering them', async () => {
    const before = b.service.connections().cut.pipelined;
    const res = await rawHttp(b.port, 'GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(17));
    expect(res).to.equal('');
    expect(b.service.connections().cut.pipelined).to.equal(before + 1);
    await alive();
  });
});
