import { expect } from 'chai';
import { readFile, stat, writeFile, readdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeFileIfChanged } from '../../../agent/lib/atomic-file.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('atomic file writes', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  it('writes a new file with the requested mode, leaving no temp file behind', async () => {
    const p = join(dir, 'a', 'secret');
    await writeFileAtomic(p, 'x', { mode: 0o600, mkdirs: true });
    expect(await readFile(p, 'utf8')).to.equal('x');
    expect((await stat(p)).mode & 0o777).to.equal(0o600);
    expect((await stat(join(dir, 'a'))).mode & 0o777).to.equal(0o700);
    expect(await readdir(join(dir, 'a'))).to.deep.equal(['secret']);
  });

  it('keeps an existing file\'s mode when none is given', async () => {
    const p = join(dir, 'f');
    await writeFile(p, 'old');
    await chmod(p, 0o640);
    await writeFileAtomic(p, 'new');
    expect(await readFile(p, 'utf8')).to.equal('new');
    expect((await stat(p)).mode & 0o777).to.equal(0o640);
  });

  it('writes only when the content changed', async () => {
    const p = join(dir, 'f');
    expect(await writeFileIfChanged(p, 'a')).to.equal(true);
    const before = (await stat(p)).ino;
    expect(await writeFileIfChanged(p, 'a')).to.equal(false);
    expect((await stat(p)).ino).to.equal(before);
    expect(await writeFileIfChanged(p, 'b')).to.equal(true);
  });

  it('fails without touching the target when the directory is missing', async () => {
    const err = await writeFileAtomic(join(dir, 'missing', 'f'), 'x').catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });
});
