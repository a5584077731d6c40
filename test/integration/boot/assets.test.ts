import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http, rawHttp } from '../../lib/http-client.js';

describe('boot service /assets/ (real HTTP)', function () {
  let b: BootHarness;
  const content = randomBytes(8 * 1024 * 1024 + 123);
  const mtime = new Date('2024-05-01T10:00:00Z');
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => http({ port: b.port, path, headers, method });

  before(async () => {
    b = await startBoot();
    const dir = join(b.assetsDir, 'flatcar', '3227.2.0');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'flatcar_production_pxe_image.cpio.gz'), content);
    await utimes(join(dir, 'flatcar_production_pxe_image.cpio.gz'), mtime, mtime);
    await writeFile(join(b.assetsDir, '.partial.tmp'), 'incomplete');
    await writeFile(join(b.dataDir, 'secret.txt'), 'outside the assets folder');
    await symlink(join(b.dataDir, 'secret.txt'), join(b.assetsDir, 'escape'));
    await symlink('flatcar/3227.2.0', join(b.assetsDir, 'current'));
    // Sparse and far larger than socket buffers, so an abandoned download is always cut short.
    await writeFile(join(b.assetsDir, 'big.img'), '');
    await truncate(join(b.assetsDir, 'big.img'), 256 * 1024 * 1024);
  });
  after(async () => { await b?.stop(); });

  const path = '/assets/flatcar/3227.2.0/flatcar_production_pxe_image.cpio.gz';

  it('streams a large file intact with length, type and Last-Modified', async () => {
    const r = await get(path);
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal('application/gzip');
    expect(Number(r.headers['content-length'])).to.equal(content.length);
    expect(r.headers['last-modified']).to.equal(mtime.toUTCString());
    expect(r.headers['accept-ranges']).to.equal('bytes');
    expect(createHash('sha256').update(r.body).digest('hex')).to.equal(createHash('sha256').update(content).digest('hex'));
    const ev = await b.waitForEvent((e) => e.type === 'request' && e.endpoint === 'assets');
    expect(ev).to.include({ status: 200, bytes: content.length, aborted: false, path: 'flatcar/3227.2.0/flatcar_production_pxe_image.cpio.gz' });
  });

  it('concurrent downloads and ranges each get their own bytes (read buffers are pooled and reused)', async () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const ranges = [[0, content.length - 1], [1, 3 * 1024 * 1024], [1024 * 1024 - 1, 1024 * 1024 + 1], [5 * 1024 * 1024 + 7, content.length - 1]] as const;
    const whole = Array.from({ length: 6 }, () => get(path));
    const parts = ranges.map(([a, z]) => get(path, { Range: `bytes=${a}-${z}` }));
    // A client that stops reading for a while: the socket holds a chunk for longer than a read takes.
    const slow = new Promise<Buffer>((resolve, reject) => {
      request({ host: '127.0.0.1', port: b.port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.pause();
        setTimeout(() => res.resume(), 300);
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject).end();
    });
    for (const r of await Promise.all(whole)) expect(sha(r.body)).to.equal(sha(content));
    expect(sha(await slow)).to.equal(sha(content));
    const got = await Promise.all(parts);
    got.forEach((r, i) => {
      const [a, z] = ranges[i] as readonly [number, number];
      expect([r.status, sha(r.body)]).to.deep.equal([206, sha(content.subarray(a, z + 1))]);
    });
  });

  it('HEAD: headers only', async () => {
    const r = await get(path, {}, 'HEAD');
    expect([r.status, r.body.length, Number(r.headers['content-length'])]).to.deep.equal([200, 0, content.length]);
  });

  it('Range: 206 with Content-Range and exactly those bytes; suffix and open ranges; 416 beyond the end', async () => {
    const r = await get(path, { Range: 'bytes=100-199' });
    expect([r.status, r.headers['content-range']]).to.deep.equal([206, `bytes 100-199/${content.length}`]);
    expect(r.body.equals(content.subarray(100, 200))).to.equal(true);
    const tail = await get(path, { Range: 'bytes=-10' });
    expect(tail.body.equals(content.subarray(content.length - 10))).to.equal(true);
    const open = await get(path, { Range: `bytes=${content.length - 5}-` });
    expect(open.body.equals(content.subarray(content.length - 5))).to.equal(true);
    const beyond = await get(path, { Range: `bytes=${content.length}-` });
    expect([beyond.status, beyond.headers['content-range']]).to.deep.equal([416, `bytes */${content.length}`]);
  });

  it('If-Modified-Since → 304 without a body; older date → 200; If-Range with an old date → whole file', async () => {
    const same = await get(path, { 'If-Modified-Since': mtime.toUTCString() });
    expect([same.status, same.body.length]).to.deep.equal([304, 0]);
    const older = await get(path, { 'If-Modified-Since': new Date(mtime.getTime() - 60_000).toUTCString() }, 'HEAD');
    expect(older.status).to.equal(200);
    const ifRange = await get(path, { Range: 'bytes=0-9', 'If-Range': new Date(mtime.getTime() - 60_000).toUTCString() }, 'HEAD');
    expect([ifRange.status, Number(ifRange.headers['content-length'])]).to.deep.equal([200, content.length]);
  });

  it('refuses traversal, hidden files, links out of the folder and directory listings', async () => {
    // Raw requests: clients normalise ../ themselves, an attacker does not.
    for (const p of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/flatcar/..%2f..%2fsecret.txt', '/assets/a%00b', '/assets/%zz']) {
      const res = await rawHttp(b.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(res.split('\r\n')[0], p).to.equal('HTTP/1.1 400 Bad Request');
      expect(res, p).to.not.include('outside the assets folder');
    }
    for (const p of ['/assets/.partial.tmp', '/assets/escape', '/assets/flatcar/', '/assets/', '/assets/nope']) {
      const r = await get(p);
      expect([r.status, r.text], p).to.deep.equal([404, '404 page not found\n']);
    }
    expect((await get('/assets/current/flatcar_production_pxe_image.cpio.gz', {}, 'HEAD')).status).to.equal(200);
  });

  it('records a download the client abandoned', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: b.port, path: '/assets/big.img', agent: false }, (res) => {
        res.once('data', () => { req.destroy(); resolve(); });
      });
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
      req.end();
    });
    const ev = await b.waitForEvent((e) => e.type === 'request' && e.aborted);
    expect(ev).to.include({ endpoint: 'assets', status: 200 });
    expect(ev.type === 'request' && ev.bytes < 256 * 1024 * 1024).to.equal(true);
  });
});

describe('boot service stop with a download in flight', function () {
  it('cuts a download still running after the grace period, before stop resolves', async () => {
    const b = await startBoot();
    try {
      const size = 256 * 1024 * 1024;
      await writeFile(join(b.assetsDir, 'big.img'), '');
      await truncate(join(b.assetsDir, 'big.img'), size);
      // A client that stops reading after the first bytes, so the download cannot finish before stop.
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        request({ host: '127.0.0.1', port: b.port, path: '/assets/big.img', agent: false }, (r) => {
          r.once('data', () => { r.pause(); resolve(r); });
        }).on('error', reject).end();
      });
      await b.service.stop();
      // Reading again, the client finds its download cut short rather than completed.
      let received = 0;
      const ended = new Promise<void>((resolve) => {
        res.on('data', (c: Buffer) => { received += c.length; });
        res.on('close', () => resolve());
        res.on('error', () => undefined);
      });
      res.resume();
      await ended;
      expect([res.complete, received < size]).to.deep.equal([false, true]);
    } finally {
      await b.stop();
    }
  });
});
