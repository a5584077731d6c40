/**
 * `racker get / update / upgrade / version` with a tarball source: a release directory (local, as
 * on an air-gapped site, and over real HTTP on 127.0.0.1) with SHA256SUMS, payloads and detached
 * OpenPGP signatures made with a throwaway key generated here by `sq` (checked in-process by racker).
 * A payload whose checksum or signature fails is refused and the install root does not change.
 */
import { expect } from 'chai';
import { copyFile, mkdir, readFile, readlink, rm, writeFile, cp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { exec } from '../../../agent/lib/exec.js';
import { sha256File } from '../../../installer/manifest.js';
import { repoRoot } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { buildFixturePayload, makeInstallSite, makeSigningKey, signFile, treeHash } from '../../lib/installer-fixtures.js';

const racker = join(repoRoot, 'bin', 'racker');

describe('racker get/update/upgrade/version with a tarball source (integration)', function () {
  this.timeout(120_000);
  let dir: string;
  let releases: string;
  let release: { key: string; cert: string };
  let stranger: { key: string; cert: string };
  const payloads: Record<string, string> = {};

  async function writeRelease(into: string, versions: string[], signer = release.key): Promise<void> {
    await mkdir(into, { recursive: true });
    const sums: string[] = [];
    for (const v of versions) {
      const file = join(into, basename(payloads[v] as string));
      await copyFile(payloads[v] as string, file);
      await signFile(file, signer);
      sums.push(`${await sha256File(file)}  ${basename(file)}`);
    }
    await writeFile(join(into, 'SHA256SUMS'), `${sums.join('\n')}\n`);
    await rm(join(into, 'SHA256SUMS.sig'), { force: true });
    await signFile(join(into, 'SHA256SUMS'), signer);
  }

  const site = (name: string, location: string) => makeInstallSite(dir, name, ['type: tarball', `location: ${location}`, `keyring: ${release.cert}`]);

  async function cli(config: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const r = await exec(racker, [...args, '--config', config], { okExitCodes: [0, 1, 2], timeoutMs: 60_000 });
    return { code: r.exitCode, out: r.stdout, err: r.stderr };
  }

  before(async () => {
    dir = await makeTempDir('racker-sources-');
    release = await makeSigningKey(dir, 'release');
    stranger = await makeSigningKey(dir, 'stranger');
    for (const v of ['1.0.0', '1.1.0', '2.0.0']) payloads[v] = await buildFixturePayload({ dir, version: v });
    releases = join(dir, 'releases');
    await writeRelease(releases, ['1.0.0', '1.1.0', '2.0.0']);
  });
  after(async () => removeTempDir(dir));

  it('get, version, update, upgrade from a local release directory', async () => {
    const { root, config } = await site('local', releases);
    let r = await cli(config, 'get', '1.0.0');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('sha256 and signature check out');
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/1.0.0');

    r = await cli(config, 'version', '--json');
    const report = JSON.parse(r.out) as { installed: { current: string }; available: { versions: string[]; update: string; upgrade: string } };
    expect(report.installed.current).to.equal('1.0.0');
    expect(report.available).to.include({ update: '1.1.0', upgrade: '2.0.0' });
    expect(report.available.versions).to.deep.equal(['1.0.0', '1.1.0', '2.0.0']);

    r = await cli(config, 'update');
    expect(r.code, r.err).to.equal(0);
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/1.1.0');
    r = await cli(config, 'update', '--json');
    expect(JSON.parse(r.out)).to.include({ changed: false, version: '1.1.0' });

    r = await cli(config, 'upgrade');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('racker 2.0.0 is now current (was 1.1.0)');
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/2.0.0');
  });

  it('after a factory reset for hand-over, the first update installs the newest release across major versions', async () => {
    const { root, config } = await site('handover', releases);
    expect((await cli(config, 'get', '1.0.0')).code).to.equal(0);
    const marker = join(dir, 'handover-racker', 'state', 'racker-version');
    expect((await readFile(marker, 'utf8')).trim()).to.equal('1.0.0');
    const reset = await exec(racker, ['factory', 'reset', '--racker-version', '--yes', '--config', config], { okExitCodes: [0, 1, 2] });
    expect(reset.exitCode, reset.stderr).to.equal(0);
    let r = await cli(config, 'update');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('first use after a factory reset');
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/2.0.0');
    expect((await readFile(marker, 'utf8')).trim()).to.equal('2.0.0');
    // From now on update stays within the major version again (nothing newer in 2.x).
    r = await cli(config, 'update', '--json');
    expect(JSON.parse(r.out)).to.include({ changed: false, version: '2.0.0' });
  });

  it('installs over HTTP from 127.0.0.1', async () => {
    const server: Server = createServer((req, res) => {
      const name = basename(decodeURIComponent(req.url ?? ''));
      readFile(join(releases, name)).then((body) => res.end(body), () => { res.statusCode = 404; res.end(); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { root, config } = await site('http', `http://127.0.0.1:${port}/releases/`);
      const r = await cli(config, 'upgrade');
      expect(r.code, r.err).to.equal(0);
      expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/2.0.0');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a payload whose sha256 differs from SHA256SUMS; nothing changes', async () => {
    const bad = join(dir, 'bad-sum');
    await cp(releases, bad, { recursive: true });
    await copyFile(payloads['1.0.0'] as string, join(bad, basename(payloads['1.1.0'] as string)));
    const { root, config } = await site('bad-sum-site', bad);
    expect((await cli(config, 'get', '1.0.0')).code).to.equal(0);
    const before = await treeHash(root);
    const r = await cli(config, 'get', '1.1.0');
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/racker-1\.1\.0-linux-x64\.tar\.gz has sha256 [0-9a-f]{64}, SHA256SUMS says/);
    expect(r.err).to.contain('nothing was changed');
    expect(await treeHash(root)).to.equal(before);
  });

  it('refuses a payload signed by a key outside the keyring; nothing changes', async () => {
    const forged = join(dir, 'forged');
    await writeRelease(forged, ['1.0.0']);
    await writeRelease(forged, ['1.1.0'], stranger.key); // rewrites SHA256SUMS to list only 1.1.0 (matching!)
    const { root, config } = await site('forged-site', releases);
    expect((await cli(config, 'get', '1.0.0')).code).to.equal(0);
    const before = await treeHash(root);
    await writeFile(config, (await readFile(config, 'utf8')).replace(`location: ${releases}`, `location: ${forged}`));
    const r = await cli(config, 'get', '1.1.0');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('does not verify');
    expect(await treeHash(root)).to.equal(before);
  });

  it('a mirror listing 9.9.9 for an older signed payload: racker update fails with a verification error; nothing changes', async () => {
    const { root, config } = await site('mirror-site', releases);
    expect((await cli(config, 'get', '1.0.0')).code).to.equal(0);
    const before = await treeHash(root);
    const mirror = join(dir, 'mirror');
    await cp(releases, mirror, { recursive: true });
    const older = basename(payloads['1.0.0'] as string);
    let sums = await readFile(join(releases, 'SHA256SUMS'), 'utf8');
    for (const v of ['9.9.9', '1.9.9']) {
      const renamed = `racker-${v}-linux-x64.tar.gz`;
      await copyFile(join(releases, older), join(mirror, renamed));
      await copyFile(join(releases, `${older}.sig`), join(mirror, `${renamed}.sig`));
      sums += `${await sha256File(join(mirror, renamed))}  ${renamed}\n`;
    }
    await writeFile(join(mirror, 'SHA256SUMS'), sums);
    await writeFile(config, (await readFile(config, 'utf8')).replace(`location: ${releases}`, `location: ${mirror}`));
    // The mirror cannot sign its listing: the list itself is refused.
    let r = await cli(config, 'update');
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/the OpenPGP signature \S+SHA256SUMS\.sig does not verify/);
    // Even a listing signed by the release key (a release mistake, or a key that signed too much) names no payload that is not what it says.
    await rm(join(mirror, 'SHA256SUMS.sig'));
    await signFile(join(mirror, 'SHA256SUMS'), release.key);
    r = await cli(config, 'update');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('offers racker 1.9.9, but its signed payload is racker 1.0.0');
    r = await cli(config, 'upgrade');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('offers racker 9.9.9, but its signed payload is racker 1.0.0');
    expect(await treeHash(root)).to.equal(before);
  });

  it('installs an older version only with racker get VERSION --allow-downgrade', async () => {
    const { root, config } = await site('downgrade-site', releases);
    expect((await cli(config, 'get', '1.1.0')).code).to.equal(0);
    let r = await cli(config, 'get', '1.0.0');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('racker 1.0.0 is older than the current 1.1.0').and.contain('--allow-downgrade');
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/1.1.0');
    r = await cli(config, 'get', '1.0.0', '--allow-downgrade');
    expect(r.code, r.err).to.equal(0);
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/1.0.0');
  });

  it('runs no OpenPGP tool of the host: sq, sqv, gpg and gpgv on PATH are never called', async () => {
    const shadow = join(dir, 'shadow-bin');
    const called = join(dir, 'host-tool-called');
    await mkdir(shadow, { recursive: true });
    for (const tool of ['sq', 'sqv', 'gpg', 'gpgv']) {
      await writeFile(join(shadow, tool), `#!/bin/sh\necho ${tool} >> ${called}\nexit 1\n`, { mode: 0o755 });
    }
    const { root, config } = await site('no-tools', releases);
    const r = await exec(racker, ['get', '1.0.0', '--config', config], { okExitCodes: [0, 1, 2], timeoutMs: 60_000, env: { PATH: `${shadow}:${process.env.PATH ?? ''}` } });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('sha256 and signature check out');
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/1.0.0');
    expect(await readFile(called, 'utf8').catch(() => '')).to.equal('');
  });
});
