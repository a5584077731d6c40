import { expect } from 'chai';
import { ImageSource } from '../../../installer/sources/image-source.js';
import { fakeExec, notInstalled } from '../../lib/fake-exec.js';

const LABEL_FORMAT = '{{ index .Config.Labels "org.opencontainers.image.version" }}';

describe('ImageSource', () => {
  it('update pulls the current major\'s tag, reads the version label, and runs the image privileged in the host PID namespace', async () => {
    const { exec, calls } = fakeExec((file, args) => {
      if (file === 'docker' && args[0] === 'image') return { stdout: '1.4.0\n' };
      return {};
    });
    const source = new ImageSource({ image: 'quay.io/x/racker', runtime: 'auto', exec });
    const pulled = await source.pull({ kind: 'update', current: '1.2.0' });
    expect(pulled).to.deep.equal({ ref: 'quay.io/x/racker:1', version: '1.4.0' });
    await source.install(pulled.ref);
    expect(calls.map((c) => [c.file, ...c.args].join(' '))).to.deep.equal([
      'docker --version',
      'docker pull quay.io/x/racker:1',
      `docker image inspect --format ${LABEL_FORMAT} quay.io/x/racker:1`,
      'docker run --rm --privileged --pid host quay.io/x/racker:1',
    ]);
  });

  it('falls back to podman when docker is not installed', async () => {
    const { exec, calls } = fakeExec((file, args) => {
      if (file === 'docker') return notInstalled('docker');
      if (args[0] === 'image') return { stdout: '2.0.0\n' };
      return {};
    });
    await new ImageSource({ image: 'r', runtime: 'auto', exec }).pull({ kind: 'upgrade' });
    expect(calls.slice(1).map((c) => `${c.file} ${c.args[0]}`)).to.deep.equal(['podman --version', 'podman pull', 'podman image']);
  });

  it('refuses an image without a version label, or whose label disagrees with the tag asked for', async () => {
    for (const [label, want, message] of [
      ['', { kind: 'upgrade' as const }, 'has no version label'],
      ['1.0.1', { kind: 'get' as const, version: '1.0.0' }, 'carries racker 1.0.1, not 1.0.0'],
    ] as const) {
      const { exec } = fakeExec((_f, args) => (args[0] === 'image' ? { stdout: `${label}\n` } : {}));
      let error: unknown;
      try {
        await new ImageSource({ image: 'r', runtime: 'docker', exec }).pull(want);
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.contain(message);
    }
  });
});
