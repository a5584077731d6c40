import { expect } from 'chai';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureFlatcarAssets, newestVerifiedVersion, VERIFIED_MARKER } from '../../../bootstrap/assets.js';
import { compareFlatcarVersions, newestFlatcarVersion, parseFlatcarVersion, refuseCurrentDowngrade } from '../../../bootstrap/flatcar-version.js';
import { isRackerError, errorMessage, ValidationError } from '../../../agent/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('bootstrap/flatcar-version', () => {
  it('compares versions as numbers, part by part', () => {
    expect(compareFlatcarVersions('4081.10.0', '4081.9.0')).to.be.greaterThan(0);
    expect(compareFlatcarVersions('10000.0.0', '9999.9.9')).to.be.greaterThan(0);
    expect(compareFlatcarVersions('4081.2.1', '4081.2.10')).to.be.lessThan(0);
    expect(compareFlatcarVersions('4081.2.0', '4081.2.0')).to.equal(0);
    expect(() => compareFlatcarVersions('4081.2', '4081.2.0')).to.throw(RangeError, /not a Flatcar version: 4081.2/);
    expect(parseFlatcarVersion('4593.2.5')).to.deep.equal([4593, 2, 5]);
    expect(parseFlatcarVersion('current')).to.equal(undefined);
    expect(newestFlatcarVersion(['4081.2.0', '4593.2.5', 'junk', '4593.2.10', '999.0.0'])).to.equal('4593.2.10');
    expect(newestFlatcarVersion([])).to.equal(undefined);
  });

  it('refuses a current older than the newest verified one, naming both versions, the URL and the pin', () => {
    const from = 'https://stable.release.flatcar-linux.net/amd64-usr/current/version.txt';
    let err: unknown;
    try {
      refuseCurrentDowngrade({ channel: 'stable', resolved: '4081.2.0', from, newestVerified: '4593.2.10' });
    } catch (e) {
      err = e;
    }
    expect(isRackerError(err) && err.code).to.equal('RACKER_E_FLATCAR_DOWNGRADE');
    expect(errorMessage(err)).to.equal(`${from} says the current stable Flatcar is 4081.2.0, older than 4593.2.10, which racker already verified for the stable channel; refusing to install an older release unasked`);
    expect((err as { hint: string }).hint).to.contain('set bootstrap.flatcar.version: 4081.2.0').and.contain(from);
  });

  it('lets an equal or newer current through, and anything when nothing was verified yet', () => {
    const r = { channel: 'stable', from: 'u' };
    expect(() => refuseCurrentDowngrade({ ...r, resolved: '4593.2.5', newestVerified: '4593.2.5' })).not.to.throw();
    expect(() => refuseCurrentDowngrade({ ...r, resolved: '4593.2.10', newestVerified: '4593.2.9' })).not.to.throw();
    expect(() => refuseCurrentDowngrade({ ...r, resolved: '4081.2.0', newestVerified: undefined })).not.to.throw();
  });
});

describe('bootstrap/assets: current never goes backwards', () => {
  let dir: string;
  let assetsDir: string;
  let local: string;

  /** A version as a completed fetch leaves it in the cache; `channel` undefined is an older racker's marker. */
  async function verified(version: string, channel: string | undefined): Promise<void> {
    await mkdir(join(assetsDir, 'flatcar', version), { recursive: true });
    await writeFile(join(assetsDir, 'flatcar', version, VERIFIED_MARKER), JSON.stringify({ version, ...(channel === undefined ? {} : { channel }), key: 'k', sha256: {} }));
  }
  async function channelSays(version: string): Promise<void> {
    await mkdir(join(local, 'current'), { recursive: true });
    await writeFile(join(local, 'current', 'version.txt'), `FLATCAR_BUILD=1\nFLATCAR_VERSION=${version}\n`);
  }
  const ensure = (version: string, channel = 'stable') => ensureFlatcarAssets({ source: { kind: 'dir', dir: local }, channel, version, assetsDir, stagingDir: join(dir, 'staging') });
  const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

  beforeEach(async () => {
    dir = await makeTempDir();
    assetsDir = join(dir, 'assets');
    local = join(dir, 'mirror');
  });
  afterEach(async () => { await removeTempDir(dir); });

  it('finds the newest version verified for the channel, ignoring other channels, unverified and unmarked ones', async () => {
    expect(await newestVerifiedVersion(assetsDir, 'stable')).to.equal(undefined);
    await verified('4081.2.0', 'stable');
    await verified('4081.2.10', 'stable');
    await verified('4628.0.0', 'alpha');
    await verified('9999.2.0', undefined);
    await mkdir(join(assetsDir, 'flatcar', '9998.2.0')); // no marker: a leftover, never served
    expect(await newestVerifiedVersion(assetsDir, 'stable')).to.equal('4081.2.10');
    expect(await newestVerifiedVersion(assetsDir, 'alpha')).to.equal('4628.0.0');
  });

  it('reports a damaged marker by file and field instead of taking the version as unverified (or as verified), and deletes nothing', async () => {
    await verified('4081.2.0', 'stable');
    await channelSays('4081.2.0');
    const marker = join(assetsDir, 'flatcar', '9997.2.0', VERIFIED_MARKER);
    await mkdir(join(assetsDir, 'flatcar', '9997.2.0'));
    for (const [text, field] of [['{ damaged', undefined], [JSON.stringify({ version: '9997.2.0', channel: 'stable', key: 'k' }), 'sha256'], [JSON.stringify({ version: '4081.2.0', channel: 'stable', key: 'k', sha256: {} }), 'version']] as const) {
      await writeFile(marker, text);
      for (const err of [await failure(newestVerifiedVersion(assetsDir, 'stable')), await failure(ensure('current')), await failure(ensure('9997.2.0'))]) {
        expect(err).to.be.instanceOf(ValidationError);
        const problem = (err as ValidationError).problems[0];
        expect([(err as ValidationError).code, problem?.file, problem?.field]).to.deep.equal(['RACKER_E_ASSETS', marker, field]);
        expect(problem?.hint).to.equal(`delete ${join(assetsDir, 'flatcar', '9997.2.0')} so racker fetches and verifies that version again`);
      }
      expect(await readFile(marker, 'utf8')).to.equal(text);
    }
    expect(await ensure('4081.2.0')).to.deep.include({ version: '4081.2.0', fetched: false }); // another version is still served
  });

  it('refuses current when it names an older version than one verified for the channel', async () => {
    await verified('4081.2.0', 'stable');
    await verified('4593.2.5', 'stable');
    await channelSays('4081.2.0');
    const err = await failure(ensure('current'));
    expect(isRackerError(err) && err.code).to.equal('RACKER_E_FLATCAR_DOWNGRADE');
    expect(errorMessage(err)).to.contain(`${join(local, 'current', 'version.txt')} says the current stable Flatcar is 4081.2.0, older than 4593.2.5`);
  });

  it('serves the older version when it is pinned, and current when the newer one is on another channel', async () => {
    await verified('4081.2.0', 'stable');
    await verified('4593.2.5', 'stable');
    await verified('4628.0.0', 'alpha');
    await channelSays('4081.2.0');
    expect(await ensure('4081.2.0')).to.deep.include({ version: '4081.2.0', fetched: false });
    await channelSays('4593.2.5');
    expect(await ensure('current')).to.deep.include({ version: '4593.2.5', fetched: false });
  });
});
