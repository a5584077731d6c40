import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { standinBuildKey } from '../../../sim/standin.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('sim/standin standinBuildKey', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir('racker-standin-key-'); });
  afterEach(() => removeTempDir(dir));

  it('keeps the key of a directory without subdirectories (the management rootfs cache stays valid)', async () => {
    await writeFile(join(dir, 'build.sh'), 'echo hi\n');
    await writeFile(join(dir, 'packages.txt'), 'systemd\n');
    const h = createHash('sha256').update('build.sh\0echo hi\n\0').update('packages.txt\0systemd\n\0');
    expect(await standinBuildKey(dir)).to.equal(h.digest('hex').slice(0, 16));
  });

  it('changes when a file below a subdirectory, or its mode, changes', async () => {
    await mkdir(join(dir, 'rootfs', 'usr', 'bin'), { recursive: true });
    await writeFile(join(dir, 'rootfs', 'usr', 'bin', 'tool'), 'one\n');
    const first = await standinBuildKey(dir);
    await writeFile(join(dir, 'rootfs', 'usr', 'bin', 'tool'), 'two\n');
    const second = await standinBuildKey(dir);
    expect(second).to.not.equal(first);
    await chmod(join(dir, 'rootfs', 'usr', 'bin', 'tool'), 0o755);
    expect(await standinBuildKey(dir)).to.not.equal(second);
  });
});
