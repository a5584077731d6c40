/**
 * Flatcar assets against a local HTTP server on 127.0.0.1 serving fake images signed with a
 * throwaway key generated here with sq; signatures checked in-process (agent/lib/openpgp-signature.ts).
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, readdir, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';
import { ensureFlatcarAssets, FLATCAR_FILES, VERIFIED_MARKER } from '../../../bootstrap/assets.js';
import type { Progress } from '../../../bootstrap/download.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const VERSION = '4081.2.0';

describe('Flatcar assets: download, resume, signature check', function () {
  this.timeout(120_000);
  let dir = '';
  let mirror = '';
  let server: Server | undefined;
  let base = '';
  const requests: { url: string; range: string | undefined }[] = [];
  /** Cut the connection after this many bytes of the next response for this file. */
  const cutOnce = new Map<string, number>();

  async function sign(file: string, key: string): Promise<void> {
    await execa('sq', ['sign', '--detached', '--binary', '--signer-key', key, '-o', `${file}.sig`, file]);
  }

  before(async () => {
    dir = await makeTempDir('racker-assets-');
    mirror = join(dir, 'mirror');
    await mkdir(join(mirror, VERSION), { recursive: true });
    await mkdir(join(mirror, 'current'), { recursive: true });
    await execa('sq', ['key', 'generate', '--userid', '<throwaway@racker.test>', '--export', join(dir, 'key.pgp')]);
    await execa('sq', ['key', 'generate', '--userid', '<other@racker.test>', '--export', join(dir, 'other.pgp')]);
    await writeFile(join(dir, 'cert.asc'), (await execa('sq', ['key', 'extract-cert', join(dir, 'key.pgp')])).stdout);
    for (const [i, name] of FLATCAR_FILES.entries()) {
      const file = join(mirror, VERSION, name);
      await writeFile(file, Buffer.alloc(200_000 + i * 1000, i + 1));
      await sign(file, join(dir, 'key.pgp'));
    }
    await writeFile(join(mirror, 'current', 'version.txt'), `FLATCAR_BUILD=4081\nFLATCAR_VERSION=${VERSION}\n`);
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      requests.push({ url, range: req.headers.range });
      void readFile(join(mirror, decodeURIComponent(url))).then((body) => {
        let start = 0;
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        if (m !== null) {
          start = Number(m[1]);
          res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
        } else {
          res.writeHead(200, { 'content-length': body.length });
        }
        const name = url.split('/').pop() ?? '';
        const cut = cutOnce.get(name);
        if (cut !== undefined) {
          cutOnce.delete(name);
          res.write(body.subarray(start, start + cut));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        }
        res.end(body.subarray(start));
      }, () => { res.writeHead(404); res.end(); });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => { if (server) server.close(() => r()); else r(); });
    await removeTempDir(dir);
  });
  beforeEach(() => { requests.length = 0; });

  const opts = (name: string, over: Record<string, unknown> = {}) => ({
    source: { kind: 'url' as const, base }, channel: 'stable', version: 'current', assetsDir: join(dir, name, 'assets'), stagingDir: join(dir, name, 'staging'),
    signingKey: join(dir, 'cert.asc'), ...over,
  });

  it('resolves current, downloads, verifies and serves every file, then serves from the cache', async () => {
    const progress: Progress[] = [];
    const r = await ensureFlatcarAssets({ ...opts('a'), onProgress: (p) => progress.push(p) });
    expect([r.version, r.fetched]).to.deep.equal([VERSION, true]);
    expect((await readdir(r.dir)).sort()).to.deep.equal([VERIFIED_MARKER, ...FLATCAR_FILES.flatMap((f) => [f, `${f}.sig`])].sort());
    for (const f of FLATCAR_FILES) expect(await readFile(join(r.dir, f))).to.deep.equal(await readFile(join(mirror, VERSION, f)));
    // The channel is recorded: `current` is later checked against what was verified for it.
    expect(JSON.parse(await readFile(join(r.dir, VERIFIED_MARKER), 'utf8'))).to.deep.include({ version: VERSION, channel: 'stable' });
    const last = progress.filter((p) => p.file === FLATCAR_FILES[2]).pop();
    expect(last).to.deep.equal({ file: FLATCAR_FILES[2], received: 202_000, total: 202_000 });
    requests.length = 0;
    const again = await ensureFlatcarAssets(opts('a'));
    expect(again.fetched).to.equal(false);
    expect(requests.map((q) => q.url)).to.deep.equal(['/current/version.txt']);
  });

  it('resumes an interrupted download with a Range request', async () => {
    cutOnce.set(FLATCAR_FILES[2], 50_000);
    const failed = await ensureFlatcarAssets(opts('b')).then(() => undefined, (e: Error) => e);
    expect(failed?.message).to.match(/interrupted|stopped|aborted|socket hang up|ECONNRESET/);
    const part = await stat(join(dir, 'b', 'staging', 'flatcar', VERSION, `${FLATCAR_FILES[2]}.part`));
    expect(part.size).to.equal(50_000);
    expect(await readdir(join(dir, 'b', 'assets', 'flatcar')).catch(() => [])).to.deep.equal([]); // nothing served yet
    requests.length = 0;
    const r = await ensureFlatcarAssets(opts('b'));
    expect(requests.find((q) => q.url.endsWith(FLATCAR_FILES[2]))?.range).to.equal('bytes=50000-');
    expect(await readFile(join(r.dir, FLATCAR_FILES[2]))).to.deep.equal(await readFile(join(mirror, VERSION, FLATCAR_FILES[2])));
  });

  it('refuses a file whose signature does not verify, and serves nothing', async () => {
    const tampered = join(dir, 'tampered');
    await mkdir(join(tampered, VERSION), { recursive: true });
    for (const f of FLATCAR_FILES) {
      await writeFile(join(tampered, VERSION, f), await readFile(join(mirror, VERSION, f)));
      await writeFile(join(tampered, VERSION, `${f}.sig`), await readFile(join(mirror, VERSION, `${f}.sig`)));
    }
    await writeFile(join(tampered, VERSION, FLATCAR_FILES[1]), Buffer.alloc(201_000, 9)); // the initrd changed after signing
    const e = await ensureFlatcarAssets(opts('c', { source: { kind: 'dir', dir: tampered }, version: VERSION })).then(() => undefined, (err: Error & { code?: string }) => err);
    expect(e?.code).to.equal('RACKER_E_SIGNATURE');
    expect(e?.message).to.contain(`${FLATCAR_FILES[1]} does not verify against ${join(dir, 'cert.asc')}`).and.contain('is not good: Signed digest did not match');
    expect(await readdir(join(dir, 'c', 'assets')).catch(() => [])).to.deep.equal([]);
  });

  it('refuses images signed by another key', async () => {
    const other = join(dir, 'other-mirror');
    await mkdir(join(other, VERSION), { recursive: true });
    for (const f of FLATCAR_FILES) {
      await writeFile(join(other, VERSION, f), await readFile(join(mirror, VERSION, f)));
      await sign(join(other, VERSION, f), join(dir, 'other.pgp'));
    }
    const e = await ensureFlatcarAssets(opts('d', { source: { kind: 'dir', dir: other }, version: VERSION })).then(() => undefined, (err: Error & { code?: string }) => err);
    expect(e?.code).to.equal('RACKER_E_SIGNATURE');
  });

  it('takes images from a local directory (air-gapped) and names a missing file', async () => {
    const r = await ensureFlatcarAssets(opts('e', { source: { kind: 'dir', dir: mirror } }));
    expect([r.version, r.fetched]).to.deep.equal([VERSION, true]);
    const e = await ensureFlatcarAssets(opts('f', { source: { kind: 'dir', dir: join(dir, 'nowhere') }, version: VERSION })).then(() => undefined, (err: Error) => err);
    expect(e?.message).to.contain(`${join(dir, 'nowhere', VERSION, FLATCAR_FILES[0])} is missing`);
  });
});
