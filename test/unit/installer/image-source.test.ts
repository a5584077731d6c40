import { expect } from 'chai';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageSource, type PulledImage } from '../../../installer/sources/image-source.js';
import { exec as realExec, type Exec } from '../../../agent/lib/exec.js';
import { fakeExec, notInstalled } from '../../lib/fake-exec.js';
import { buildFixturePayload, makeSigningKey, signFile } from '../../lib/installer-fixtures.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { errorMessage } from '../../../agent/lib/errors.js';

const LABEL_FORMAT = '{{ index .Config.Labels "org.opencontainers.image.version" }}';

describe('ImageSource', function () {
  this.timeout(60_000);

  it('update pulls the current major\'s tag, reads the version label and the image ID', async () => {
    const { exec, calls } = fakeExec((file, args) => {
      if (file === 'docker' && args[0] === 'image') return { stdout: args[3] === LABEL_FORMAT ? '1.4.0\n' : 'sha256:0123\n' };
      return {};
    });
    const source = new ImageSource({ image: 'quay.io/x/racker', runtime: 'auto', keyring: '/k', exec });
    expect(await source.pull({ kind: 'update', current: '1.2.0' })).to.deep.equal({ ref: 'quay.io/x/racker:1', id: 'sha256:0123', version: '1.4.0' });
    expect(calls.map((c) => [c.file, ...c.args].join(' '))).to.deep.equal([
      'docker --version',
      'docker pull quay.io/x/racker:1',
      `docker image inspect --format ${LABEL_FORMAT} quay.io/x/racker:1`,
      'docker image inspect --format {{ .Id }} quay.io/x/racker:1',
    ]);
  });

  it('falls back to podman when docker is not installed', async () => {
    const { exec, calls } = fakeExec((file, args) => {
      if (file === 'docker') return notInstalled('docker');
      if (args[0] === 'image') return { stdout: '2.0.0\n' };
      return {};
    });
    await new ImageSource({ image: 'r', runtime: 'auto', keyring: '/k', exec }).pull({ kind: 'upgrade' });
    expect(calls.slice(1).map((c) => `${c.file} ${c.args[0]}`)).to.deep.equal(['podman --version', 'podman pull', 'podman image', 'podman image']);
  });

  it('refuses an image without a version label, or whose label disagrees with the tag asked for', async () => {
    for (const [label, want, message] of [
      ['', { kind: 'upgrade' as const }, 'has no version label'],
      ['1.0.1', { kind: 'get' as const, version: '1.0.0' }, 'carries racker 1.0.1, not 1.0.0'],
    ] as const) {
      const { exec } = fakeExec((_f, args) => (args[0] === 'image' ? { stdout: `${label}\n` } : {}));
      let error: unknown;
      try {
        await new ImageSource({ image: 'r', runtime: 'docker', keyring: '/k', exec }).pull(want);
      } catch (e) {
        error = e;
      }
      expect(errorMessage(error)).to.contain(message);
    }
  });

  describe('the payload inside the image (real signatures and tar; docker stands in)', () => {
    let dir: string | undefined;
    let release: { key: string; cert: string };
    let stranger: { key: string; cert: string };
    const payloads: Record<string, string> = {};
    before(async () => {
      dir = await makeTempDir('racker-image-');
      release = await makeSigningKey(dir, 'release');
      stranger = await makeSigningKey(dir, 'stranger');
      for (const v of ['1.0.0', '1.1.0']) payloads[v] = await buildFixturePayload({ dir, version: v });
    });
    after(async () => removeTempDir(dir));

    /** docker as far as the image goes: `create` and `cp` of an image holding `payload` signed by `signer`; everything else runs for real. */
    async function imageHolding(version: string, signer: string): Promise<{ exec: Exec; docker: string[] }> {
      const inImage = join(dir as string, `image-${version}-${Math.random().toString(16).slice(2)}.tar.gz`);
      await copyFile(payloads[version] as string, inImage);
      await signFile(inImage, signer);
      const docker: string[] = [];
      const exec: Exec = async (file, args, options) => {
        if (file !== 'docker') return realExec(file, args, options);
        docker.push(args.join(' '));
        if (args[0] === 'create') return { stdout: 'c1\n', stderr: '', exitCode: 0 };
        if (args[0] === 'cp') await copyFile(String(args[1]).endsWith('.sig') ? `${inImage}.sig` : inImage, String(args[2]));
        return { stdout: '', stderr: '', exitCode: 0 };
      };
      return { exec, docker };
    }

    const image = (version: string): PulledImage => ({ ref: `quay.io/x/racker:${version}`, id: 'sha256:0123', version });

    it('copies the payload and its signature out of a created container and verifies both; nothing of the image runs', async () => {
      const { exec, docker } = await imageHolding('1.1.0', release.key);
      const source = new ImageSource({ image: 'quay.io/x/racker', runtime: 'docker', keyring: release.cert, exec });
      const payload = await source.fetchVerified(image('1.1.0'), dir as string);
      expect(payload).to.equal(join(dir as string, 'racker-1.1.0-linux-x64.tar.gz'));
      expect(docker).to.deep.equal([
        'create sha256:0123',
        `cp c1:/racker/payload.tar.gz ${payload}`,
        `cp c1:/racker/payload.tar.gz.sig ${payload}.sig`,
        'rm --force c1',
      ]);
    });

    it('refuses a payload signed by a key outside the keyring', async () => {
      const { exec } = await imageHolding('1.1.0', stranger.key);
      const source = new ImageSource({ image: 'quay.io/x/racker', runtime: 'docker', keyring: release.cert, exec });
      const error = await source.fetchVerified(image('1.1.0'), dir as string).then(() => undefined, (e: unknown) => e);
      expect((error as { code?: string }).code).to.equal('RACKER_E_VERIFY');
    });

    it('refuses an image labelled 9.9.9 whose signed payload is an older racker', async () => {
      const { exec } = await imageHolding('1.0.0', release.key);
      const source = new ImageSource({ image: 'quay.io/x/racker', runtime: 'docker', keyring: release.cert, exec });
      const error = await source.fetchVerified(image('9.9.9'), dir as string).then(() => undefined, (e: unknown) => e);
      expect((error as { code?: string }).code).to.equal('RACKER_E_VERIFY');
      expect(errorMessage(error)).to.equal('image quay.io/x/racker:9.9.9 offers racker 9.9.9, but its signed payload is racker 1.0.0');
    });
  });
});
