/**
 * The Kubernetes system extension as the agent brings it to the rack (bootstrap/kubernetes/sysext.ts):
 * a stand-in image made here, served by a local HTTP server on loopback playing the upstream, is
 * fetched once, checked against the pinned sha256, cached in the assets, and served by the real
 * boot service to the nodes, whose Ignition (checked by the real ignition-validate) names the
 * agent's URL and the digest. The boot service streams it: never-reading downloads do not grow
 * its memory with the file.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensureSysext, sysextPin, SYSEXT_MARKER, type SysextPin } from '../../../bootstrap/kubernetes/sysext.js';
import { ValidationError } from '../../../agent/lib/errors.js';
import { kubernetesPart } from '../../../bootstrap/kubernetes/kubeadm.js';
import { freshJoinCredentials } from '../../../bootstrap/kubernetes/pki.js';
import { fakePlan } from '../../lib/bootstrap-fixtures.js';
import { ignitionValidate } from '../../lib/ignition-validate.js';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';
import { startHostileClients } from '../../lib/hostile-clients.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const MiB = 1024 * 1024;
const VERSION = 'v1.33.2';
const FILE = `kubernetes-${VERSION}-x86-64.raw`;
const PINS = { version: VERSION, sysextUrl: 'https://extensions.example/kubernetes-{version}-x86-64.raw' };

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** A stand-in sysext: `mib` MiB, random first MiB (so each differs), sparse after it. */
async function standIn(path: string, mib: number): Promise<string> {
  await writeFile(path, randomBytes(MiB));
  await truncate(path, mib * MiB);
  return sha256Of(path);
}

/** GET a path on loopback and hash the body as it arrives. */
function streamedDigest(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const h = createHash('sha256');
      res.on('data', (c: Buffer) => h.update(c));
      res.on('end', () => resolve(h.digest('hex')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Kubernetes system extension: fetched once, pinned by sha256, served by the agent', function () {
  this.timeout(120_000);
  let dir = '';
  let upstream: Server | undefined;
  let base = '';
  /** GETs the upstream answered, by path. */
  const fetched: string[] = [];
  let image = '';
  let digest = '';

  before(async () => {
    dir = await makeTempDir('racker-sysext-');
    await mkdir(join(dir, 'upstream'));
    image = join(dir, 'upstream', FILE);
    digest = await standIn(image, 64);
    upstream = createServer((req, res) => {
      fetched.push(req.url ?? '');
      if (req.url !== `/extensions/${FILE}`) {
        res.statusCode = 404;
        res.end();
        return;
      }
      void stat(image).then((st) => {
        res.writeHead(200, { 'content-length': st.size });
        createReadStream(image).pipe(res);
      });
    });
    await new Promise<void>((r) => upstream?.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => { if (upstream) upstream.close(() => r()); else r(); });
    await removeTempDir(dir);
  });

  const urlPin = (sha256: string | undefined): SysextPin => sysextPin({ version: VERSION, sysextUrl: `${base}/extensions/kubernetes-{version}-x86-64.raw`, sysextSha256: sha256 }, PINS);
  const opts = (name: string, pin: SysextPin) => ({ pin, assetsDir: join(dir, name, 'assets'), stagingDir: join(dir, name, 'downloads') });

  it('fetches the image once into the assets, and a later bootstrap takes it from there', async () => {
    const before = fetched.length;
    const first = await ensureSysext(opts('a', urlPin(digest)));
    expect(first).to.deep.equal({ assetPath: `kubernetes/${VERSION}/${FILE}`, sha256: digest, fetched: true });
    expect(await sha256Of(join(dir, 'a', 'assets', first.assetPath))).to.equal(digest);
    expect(JSON.parse(await readFile(join(dir, 'a', 'assets', 'kubernetes', VERSION, SYSEXT_MARKER), 'utf8'))).to.deep.include({ sha256: digest, from: `${base}/extensions/${FILE}` });
    const second = await ensureSysext(opts('a', urlPin(digest)));
    expect(second.fetched).to.equal(false);
    expect(fetched.slice(before)).to.deep.equal([`/extensions/${FILE}`]); // one GET in all
    expect(await readdir(join(dir, 'a', 'downloads', 'kubernetes'))).to.deep.equal([]); // nothing left waiting
  });

  it('refuses an image whose sha256 is not the pinned one, naming the source and both digests; nothing is served', async () => {
    const wrong = createHash('sha256').update('another build').digest('hex');
    const e = await ensureSysext(opts('b', urlPin(wrong))).then(() => undefined, (err: Error & { code?: string; hint?: string }) => err);
    expect(e?.code).to.equal('RACKER_E_ASSETS');
    expect(e?.message).to.equal(`${FILE} from ${base}/extensions/${FILE} has sha256 ${digest}, but ${wrong} is expected (bootstrap.kubernetes.sysextSha256)`);
    expect(e?.hint).to.contain('set bootstrap.kubernetes.sysextSha256');
    expect(await readdir(join(dir, 'b', 'assets')).catch(() => [])).to.deep.equal([]);
    expect(await readdir(join(dir, 'b', 'downloads', 'kubernetes', VERSION))).to.deep.equal([]);
  });

  it('fetches again when the pin names another digest than the cached image\'s (a changed pin never serves the old file)', async () => {
    await ensureSysext(opts('c', urlPin(digest)));
    const before = fetched.length;
    const old = digest;
    digest = await standIn(image, 64); // upstream now serves another build, and the pin follows it
    const r = await ensureSysext(opts('c', urlPin(digest)));
    expect([r.fetched, r.sha256]).to.deep.equal([true, digest]);
    expect(digest).to.not.equal(old);
    expect(fetched.length - before).to.equal(1);
    expect(await sha256Of(join(dir, 'c', 'assets', r.assetPath))).to.equal(digest);
  });

  it('reports a damaged marker by file and field, and neither serves, fetches nor deletes anything', async () => {
    await ensureSysext(opts('g', urlPin(digest)));
    const served = join(dir, 'g', 'assets', 'kubernetes', VERSION);
    const marker = join(served, SYSEXT_MARKER);
    const before = fetched.length;
    for (const [text, field] of [['{"sha256": "', undefined], [JSON.stringify({ version: VERSION, file: FILE, sha256: 'abc', from: base }), 'sha256']] as const) {
      await writeFile(marker, text);
      const e = await ensureSysext(opts('g', urlPin(digest))).then(() => undefined, (err: unknown) => err);
      expect(e).to.be.instanceOf(ValidationError);
      expect([(e as ValidationError).code, (e as ValidationError).problems[0]?.file, (e as ValidationError).problems[0]?.field]).to.deep.equal(['RACKER_E_ASSETS', marker, field]);
      expect((e as ValidationError).problems[0]?.hint).to.equal(`delete ${served} so racker fetches and checks the image again`);
      expect(await readFile(marker, 'utf8')).to.equal(text);
      expect(await sha256Of(join(served, FILE))).to.equal(digest);
    }
    expect(fetched.length).to.equal(before);
  });

  it('takes the image from a local directory on air-gapped sites, checked all the same', async () => {
    const local = sysextPin({ ...PINS, version: VERSION, sysextLocalDir: join(dir, 'upstream'), sysextSha256: digest }, PINS);
    const before = fetched.length;
    const r = await ensureSysext(opts('d', local));
    expect([r.fetched, r.sha256, fetched.length]).to.deep.equal([true, digest, before]);
    const missing = sysextPin({ ...PINS, version: 'v1.34.1', sysextLocalDir: join(dir, 'upstream'), sysextSha256: digest }, PINS);
    const e = await ensureSysext(opts('e', missing)).then(() => undefined, (err: Error & { hint?: string }) => err);
    expect(e?.message).to.equal(`${join(dir, 'upstream', 'kubernetes-v1.34.1-x86-64.raw')} is missing`);
    const bad = sysextPin({ ...PINS, version: VERSION, sysextLocalDir: join(dir, 'upstream'), sysextSha256: '0'.repeat(64) }, PINS);
    const m = await ensureSysext(opts('f', bad)).then(() => undefined, (err: Error) => err);
    expect(m?.message).to.contain(`from ${join(dir, 'upstream', FILE)} has sha256 ${digest}, but ${'0'.repeat(64)} is expected`);
  });

  describe('served by the boot service', () => {
    let boot: BootHarness;
    let served: { assetPath: string; sha256: string };
    before(async () => {
      boot = await startBoot();
      served = await ensureSysext({ pin: urlPin(digest), assetsDir: boot.assetsDir, stagingDir: join(dir, 'boot-downloads') });
    });
    after(async () => { await boot.stop(); });

    it('nodes get the agent\'s URL with verification.hash (ignition-validate passes), and that URL serves exactly those bytes', async () => {
      const url = `http://127.0.0.1:${boot.port}/assets/${served.assetPath}`;
      const plan = fakePlan(['a', 'a'], { provision: 'kubernetes', controllers: 1, controllerType: 'a' });
      const node = plan.nodes[1];
      if (node === undefined) throw new Error('no node');
      const secrets = { ...freshJoinCredentials(), caCert: 'CA', caKey: 'KEY', caCertHash: 'sha256:00' };
      const part = kubernetesPart(node, { plan, secrets, settings: { version: VERSION, podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' }, sysext: { url, sha256: served.sha256 }, cniManifest: undefined, manifests: [] });
      const v = await ignitionValidate(dir, 'sysext-node', part);
      expect(v, v.output).to.deep.equal({ code: 0, output: '' });
      const resource = part.storage?.files?.find((f) => f.path.endsWith(FILE))?.contents;
      expect(resource).to.deep.equal({ source: url, verification: { hash: `sha256-${digest}` } });
      // What Ignition does on the node: fetch the source and compare its digest.
      const res = await http({ port: boot.port, path: `/assets/${served.assetPath}` });
      expect(res.status).to.equal(200);
      expect(`sha256-${createHash('sha256').update(res.body).digest('hex')}`).to.equal(resource?.verification?.hash);
      // Resumable like every asset; the marker is not served.
      const range = await http({ port: boot.port, path: `/assets/${served.assetPath}`, headers: { Range: 'bytes=0-9' } });
      expect([range.status, range.body.length]).to.deep.equal([206, 10]);
      expect((await http({ port: boot.port, path: `/assets/kubernetes/${VERSION}/${SYSEXT_MARKER}` })).status).to.equal(404);
    });

    it('streams it: 100 never-reading downloads of the 64 MiB image grow memory far less than one copy of it', async () => {
      const path = `/assets/${served.assetPath}`;
      for (let i = 0; i < 3; i++) expect((await http({ port: boot.port, path, headers: { Range: 'bytes=0-4194303' } })).status).to.equal(206); // warm up
      const before = process.memoryUsage().rss;
      const hostile = startHostileClients({ port: boot.port, connections: 100, addresses: 10, pipelinePath: '/', downloadPath: path, pipelineBytes: 0, kinds: ['download'] });
      try {
        await hostile.settled;
        // A well-behaved node still gets the image meanwhile, intact (hashed as it arrives, not kept).
        expect(await streamedDigest(boot.port, path)).to.equal(digest);
        const growth = process.memoryUsage().rss - before;
        console.log(`      test process RSS growth with 100 stalled downloads: ${(growth / MiB).toFixed(1)} MiB (the image: 64 MiB)`);
        expect(growth).to.be.at.most(32 * MiB);
      } finally {
        hostile.stop();
      }
    });
  });
});
