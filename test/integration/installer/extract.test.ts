/**
 * The extractor end to end, as a separate process against a temporary root: install, re-install,
 * refuse damaged payloads without changing anything, roll back a version whose agent does not
 * become ready, keep three versions, and never touch configuration or state. systemctl is a
 * stand-in program (test/lib/installer-fixtures.ts) whose agent is unhealthy on request.
 */
import { expect } from 'chai';
import { readdir, readFile, readlink, writeFile, mkdir, rm, open } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../../agent/lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { buildFixturePayload, treeHash, writeFakeSystemctl, writeSiteFiles } from '../../lib/installer-fixtures.js';

const extract = join(repoRoot, 'installer', 'extract');

describe('installer/extract --root (integration)', function () {
  this.timeout(120_000);
  let dir: string;
  let root: string;
  let state: string;
  let systemctl: string;
  let site: string[];
  const payloads: Record<string, string> = {};

  async function run(payload: string, extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
    const r = await exec(process.execPath, [extract, '--root', root, '--payload', payload, '--systemctl', systemctl, '--ready-timeout', '5', ...extra],
      { okExitCodes: [0, 1, 2], timeoutMs: 60_000 });
    return { code: r.exitCode, out: r.stdout, err: r.stderr };
  }
  const current = async (): Promise<string> => readlink(join(root, 'opt/racker/current'));
  const versions = async (): Promise<string[]> => (await readdir(join(root, 'opt/racker/versions'))).sort();
  const calls = async (): Promise<string[]> => (await readFile(join(state, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const siteHash = async (): Promise<string> => (await Promise.all(site.map((s) => treeHash(join(root, s))))).join(',');
  const setActive = async (unit: string): Promise<void> => { await writeFile(join(state, 'active', unit), ''); };

  before(async () => {
    dir = await makeTempDir('racker-extract-');
    root = join(dir, 'root');
    state = join(dir, 'systemd');
    await mkdir(root);
    systemctl = await writeFakeSystemctl(state, root);
    site = await writeSiteFiles(root);
    for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) payloads[v] = await buildFixturePayload({ dir, version: v });
    payloads.bad = await buildFixturePayload({ dir, version: '1.4.0', agentFails: true });
    payloads.lies = await buildFixturePayload({ dir, version: '1.5.0', reportsVersion: '9.9.9' });
  });
  after(async () => removeTempDir(dir));

  it('installs a payload into an empty root: version directory, current, /opt/bin/racker, units', async () => {
    const siteBefore = await siteHash();
    const r = await run(payloads['1.0.0'] as string);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('racker 1.0.0 is now current');
    expect(r.out).to.contain('racker-agent.service is not running');
    expect(await current()).to.equal('versions/1.0.0');
    expect(await readlink(join(root, 'opt/bin/racker'))).to.equal('../racker/current/bin/racker');
    const viaLink = await exec(join(root, 'opt/bin/racker'), ['version', '--json']);
    expect(JSON.parse(viaLink.stdout)).to.deep.equal({ version: '1.0.0' });
    expect(await readFile(join(root, 'etc/systemd/system/racker-agent.service'), 'utf8')).to.contain('fixture 1.0.0');
    expect(await calls()).to.include.members(['daemon-reload current=versions/1.0.0']);
    expect(await siteHash()).to.equal(siteBefore);
  });

  it('re-installing the same payload changes nothing', async () => {
    const before = await treeHash(root);
    const r = await run(payloads['1.0.0'] as string);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('already installed');
    expect(await treeHash(root)).to.equal(before);
  });

  it('re-installing repairs an installed version whose files no longer match its MANIFEST', async () => {
    const before = await treeHash(root);
    await writeFile(join(root, 'opt/racker/versions/1.0.0/data.txt'), 'damaged on disk\n');
    const r = await run(payloads['1.0.0'] as string);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('no longer matches its MANIFEST; repairing it');
    expect(await treeHash(root)).to.equal(before);
  });

  it('refuses a corrupted payload (damaged gzip) and leaves the root exactly as it was', async () => {
    const damaged = join(dir, 'damaged.tar.gz');
    const bytes = await readFile(payloads['1.1.0'] as string);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await writeFile(damaged, bytes);
    const before = await treeHash(root);
    const r = await run(damaged);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/payload damaged\.tar\.gz is damaged/);
    expect(await treeHash(root)).to.equal(before);
  });

  it('refuses a payload whose files do not match its MANIFEST and leaves the root exactly as it was', async () => {
    const work = join(dir, 'tamper');
    await mkdir(work);
    await exec('tar', ['-xzf', payloads['1.1.0'] as string, '-C', work]);
    await writeFile(join(work, 'data.txt'), 'altered\n');
    const tampered = join(dir, 'tampered.tar.gz');
    await exec('tar', ['-czf', tampered, '-C', work, '.']);
    const before = await treeHash(root);
    const r = await run(tampered);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('does not match its MANIFEST: data.txt: sha256');
    expect(await treeHash(root)).to.equal(before);
  });

  it('refuses a payload whose own racker reports another version, before switching', async () => {
    const before = await treeHash(root);
    const r = await run(payloads.lies as string);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('reports "9.9.9"');
    expect(await treeHash(root)).to.equal(before);
  });

  it('updates a running agent: restarts it on the new version, holding off OS-update reboots meanwhile', async () => {
    await setActive('racker-agent.service');
    await setActive('locksmithd.service');
    await rm(join(state, 'calls.log'), { force: true });
    const siteBefore = await siteHash();
    const r = await run(payloads['1.1.0'] as string);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('racker-agent.service restarted and ready');
    expect(await current()).to.equal('versions/1.1.0');
    expect(await readlink(join(root, 'opt/racker/previous'))).to.equal('versions/1.0.0');
    const log = await calls();
    const i = (line: string): number => log.indexOf(line);
    expect(i('stop locksmithd.service current=versions/1.0.0')).to.be.greaterThan(-1);
    expect(i('restart racker-agent.service current=versions/1.1.0')).to.be.greaterThan(i('stop locksmithd.service current=versions/1.0.0'));
    expect(i('start locksmithd.service current=versions/1.1.0')).to.be.greaterThan(i('restart racker-agent.service current=versions/1.1.0'));
    expect(await readFile(join(root, 'etc/systemd/system/racker-agent.service'), 'utf8')).to.contain('fixture 1.1.0');
    expect(await siteHash()).to.equal(siteBefore);
  });

  it('rolls back a new version whose agent does not become ready, and says so', async () => {
    await rm(join(state, 'calls.log'), { force: true });
    const siteBefore = await siteHash();
    const r = await run(payloads.bad as string);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('racker 1.4.0 did not become ready after restarting racker-agent.service (observed: failed); rolled back to 1.1.0, which is running again');
    expect(await current()).to.equal('versions/1.1.0');
    expect(await readlink(join(root, 'opt/racker/previous'))).to.equal('versions/1.0.0');
    expect(await versions()).to.not.include('1.4.0');
    expect(await readFile(join(root, 'etc/systemd/system/racker-agent.service'), 'utf8')).to.contain('fixture 1.1.0');
    const log = await calls();
    expect(log).to.include.members(['restart racker-agent.service current=versions/1.4.0', 'restart racker-agent.service current=versions/1.1.0']);
    expect(log.at(-1)).to.equal('start locksmithd.service current=versions/1.1.0');
    expect(await siteHash()).to.equal(siteBefore);
  });

  it('three updates keep three versions, and `racker rollback` returns to the previous one', async () => {
    const siteBefore = await siteHash();
    for (const v of ['1.2.0', '1.3.0']) expect((await run(payloads[v] as string)).code).to.equal(0);
    expect(await versions()).to.deep.equal(['1.1.0', '1.2.0', '1.3.0']);
    expect(await current()).to.equal('versions/1.3.0');
    const config = join(dir, 'racker.yaml');
    const state = join(dir, 'racker-state'); // racker's own state (the version marker), outside the hashed root
    await writeFile(config, `paths:\n  stateDir: ${state}\n` + `installer:\n  root: ${root}\n  systemctl: ${systemctl}\n  readyTimeoutSeconds: 5\n`);
    const r = await exec(join(repoRoot, 'bin', 'racker'), ['rollback', '--config', config], { okExitCodes: [0, 1, 2] });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('racker 1.2.0 is now current (was 1.3.0)');
    expect(await current()).to.equal('versions/1.2.0');
    expect(await readlink(join(root, 'opt/racker/previous'))).to.equal('versions/1.3.0');
    expect(await calls()).to.include('restart racker-agent.service current=versions/1.2.0');
    expect(await siteHash()).to.equal(siteBefore);
  });

  it('--container outside a privileged host-PID container stops with the exact docker run line, changing nothing', async function () {
    // Only where this process cannot reach a different PID 1 (a container or sandbox): on a real
    // host the check would pass and the extractor would install into this machine's /opt.
    const [ours, init] = await Promise.all([readlink('/proc/self/ns/mnt'), readlink('/proc/1/ns/mnt').catch(() => 'unreadable')]);
    if (init !== 'unreadable' && init !== ours) this.skip();
    const before = await treeHash(root);
    const r = await exec(process.execPath, [extract, '--container', '--payload', payloads['1.3.0'] as string],
      { okExitCodes: [0, 1, 2], env: { RACKER_IMAGE: 'quay.io/example/racker:1.3.0' } });
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.contain('Run the image like this: docker run --rm --privileged --pid host quay.io/example/racker:1.3.0');
    expect(await treeHash(root)).to.equal(before);
  });

  it('refuses to run while another install holds the lock', async () => {
    const lock = await open(join(root, 'opt/racker/.lock'), 'wx');
    await lock.writeFile(`${process.pid}\n`);
    await lock.close();
    try {
      const r = await run(payloads['1.3.0'] as string);
      expect(r.code).to.equal(1);
      expect(r.err).to.contain(`another racker install is running (PID ${process.pid}`);
    } finally {
      await rm(join(root, 'opt/racker/.lock'));
    }
  });
});
