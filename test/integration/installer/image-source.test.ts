/**
 * `racker get / update / upgrade` with an image source, against real parts: Debian's podman and a
 * real registry (Debian's docker-registry, the CNCF distribution server) on 127.0.0.1. Images are
 * made here as installer/Dockerfile lays them out (the payload and its detached signature under
 * /racker, the version label, an entry point) and pushed to the registry; racker pulls them with
 * podman, copies the payload out of a created container and verifies it in-process.
 *
 * podman gets its own storage, registries and events files through the environment variables it
 * documents (as an operator's host would have them in /etc/containers), so nothing here touches
 * the machine's container storage; the registry is reached over plain HTTP on loopback.
 */
import { expect } from 'chai';
import { copyFile, mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { exec } from '../../../agent/lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { simSkipReason } from '../../lib/run-sim.js';
import { buildFixturePayload, makeInstallSite, makeSigningKey, signFile, treeHash } from '../../lib/installer-fixtures.js';
import { IMAGE_PAYLOAD, VERSION_LABEL } from '../../../installer/sources/image-source.js';

const racker = join(repoRoot, 'bin', 'racker');

describe('racker get/update/upgrade with an image source (podman and a registry on 127.0.0.1)', function () {
  this.timeout(180_000);
  let dir: string;
  let env: Record<string, string>;
  let registry: ResultPromise | undefined;
  let repo: string;
  let release: { key: string; cert: string };
  let stranger: { key: string; cert: string };
  const payloads: Record<string, string> = {};

  const podman = (args: string[]) => execa('podman', args, { env, extendEnv: true, timeout: 120_000 });

  /** Push an image labelled `label` holding `payloadVersion`'s payload signed by `signer`, under each of `tags`. */
  async function pushImage(label: string, payloadVersion: string, signer: string, tags: string[]): Promise<void> {
    const root = join(dir, `image-${label}-${payloadVersion}-${tags.join('-')}`);
    const inImage = join(root, IMAGE_PAYLOAD);
    await mkdir(join(inImage, '..'), { recursive: true });
    await copyFile(payloads[payloadVersion] as string, inImage);
    await signFile(inImage, signer);
    // Would show as a `start` event if anything ran the image; racker only creates and copies.
    await writeFile(join(root, 'racker', 'entry'), '#!/bin/sh\ntouch /ran\n', { mode: 0o755 });
    const tar = `${root}.tar`;
    await exec('tar', ['-C', root, '-cf', tar, '.']);
    const first = `${repo}:${tags[0]}`;
    await podman(['import', '--change', `LABEL ${VERSION_LABEL}=${label}`, '--change', 'ENTRYPOINT ["/racker/entry"]', tar, first]);
    for (const t of tags) {
      if (t !== tags[0]) await podman(['tag', first, `${repo}:${t}`]);
      await podman(['push', '--quiet', `${repo}:${t}`]);
    }
    // racker must pull what it installs: nothing is left in local storage.
    await podman(['rmi', '--all', '--force']);
  }

  const site = (name: string) => makeInstallSite(dir, name, ['type: image', `image: ${repo}`, 'runtime: podman', `keyring: ${release.cert}`]);

  async function cli(config: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const r = await execa(racker, [...args, '--config', config], { env, extendEnv: true, reject: false, timeout: 120_000 });
    return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
  }

  /** podman's own record of what happened to containers (create, start, remove...). */
  async function containerEvents(): Promise<string[]> {
    const r = await podman(['events', '--stream=false', '--filter', 'type=container', '--format', '{{.Status}}']);
    return String(r.stdout).split('\n').filter((l) => l !== '');
  }

  before(async function () {
    const skip = await simSkipReason(['podman', 'docker-registry', 'tar']);
    if (skip !== undefined) this.skip();
    dir = await makeTempDir('racker-image-source-');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    repo = `127.0.0.1:${port}/racker`;
    await writeFile(join(dir, 'registry.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/registry\nhttp:\n  addr: 127.0.0.1:${port}\n`);
    await writeFile(join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\nrunroot = "${dir}/podman-run"\ngraphroot = "${dir}/podman-graph"\n`);
    await writeFile(join(dir, 'registries.conf'), `unqualified-search-registries = []\n[[registry]]\nlocation = "127.0.0.1:${port}"\ninsecure = true\n`);
    await writeFile(join(dir, 'containers.conf'), `[engine]\nevents_logger = "file"\nevents_logfile_path = "${dir}/podman-events.log"\ncgroup_manager = "cgroupfs"\n`);
    env = { CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'), CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'), CONTAINERS_CONF: join(dir, 'containers.conf') };
    registry = execa('docker-registry', ['serve', join(dir, 'registry.yml')], { stdio: 'ignore', reject: false });
    for (let i = 0; i < 100 && (await exec('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/v2/`], { okExitCodes: [0, 7] })).exitCode !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    release = await makeSigningKey(dir, 'release');
    stranger = await makeSigningKey(dir, 'stranger');
    for (const v of ['1.0.0', '1.1.0', '2.0.0']) payloads[v] = await buildFixturePayload({ dir, version: v });
    await pushImage('1.0.0', '1.0.0', release.key, ['1.0.0']);
    await pushImage('1.1.0', '1.1.0', release.key, ['1.1.0', '1']);
    await pushImage('2.0.0', '2.0.0', release.key, ['2.0.0', '2', 'latest']);
  });
  after(async () => {
    if (registry?.pid !== undefined) process.kill(registry.pid, 'SIGTERM');
    await registry?.catch(() => undefined);
    if (dir !== undefined) {
      // vfs layers are plain directories: removing the temp dir removes podman's storage too.
      await podman(['system', 'reset', '--force']).catch(() => undefined);
      await removeTempDir(dir);
    }
  });

  it('get, update (the major tag) and upgrade (latest) pull, verify and install; nothing of an image runs', async () => {
    const { root, config } = await site('site');
    let r = await cli(config, 'get', '1.0.0');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('racker 1.0.0: signature and VERSION check out');
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/1.0.0');

    r = await cli(config, 'update');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain(`fetching racker 1.1.0 from ${repo}:1`);
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/1.1.0');

    r = await cli(config, 'upgrade');
    expect(r.code, r.err).to.equal(0);
    expect(await readlink(join(root, 'opt/racker/current'))).to.equal('versions/2.0.0');

    const events = await containerEvents();
    expect(events.filter((e) => e === 'create')).to.have.length(3);
    expect(events).to.not.include('start');
    expect(events.filter((e) => e === 'remove')).to.have.length(3);
  });

  it('refuses an image labelled 9.9.9 whose signed payload is an older racker, and one signed outside the keyring; nothing changes', async () => {
    const { root, config } = await site('mirror-site');
    expect((await cli(config, 'get', '2.0.0')).code).to.equal(0);
    const before = await treeHash(root);
    // A registry that can push anything: `latest` now claims 9.9.9 but carries the signed 1.0.0.
    await pushImage('9.9.9', '1.0.0', release.key, ['latest']);
    let r = await cli(config, 'upgrade');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain(`image ${repo}:latest offers racker 9.9.9, but its signed payload is racker 1.0.0`);
    // A payload of the right version signed by a key outside the keyring.
    await pushImage('3.0.0', '2.0.0', stranger.key, ['latest']);
    r = await cli(config, 'upgrade');
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/the OpenPGP signature \S+ does not verify/);
    expect(await treeHash(root)).to.equal(before);
    expect(await readFile(join(root, 'opt/racker/current/VERSION'), 'utf8').catch(() => '')).to.not.contain('9.9.9');
  });
});
