import { expect } from 'chai';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileBootStore } from '../../../bootstrap/file-boot-store.js';
import { nodeBootData, writeNodeBootData } from '../../../bootstrap/groups-profiles.js';
import { endpoints } from '../../../bootstrap/endpoints.js';
import { fakePlan } from '../../lib/bootstrap-fixtures.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('file boot store (matchbox on-disk layout)', () => {
  let dir: string | undefined;
  beforeEach(async () => { dir = await makeTempDir('racker-store-'); });
  afterEach(async () => { await removeTempDir(dir); });

  it('writes groups/profiles as <id>.json and Ignition by name, token-bearing Ignition root-only', async () => {
    const store = new FileBootStore(dir as string);
    const plan = fakePlan(['a']);
    const cfg = { ignition: { version: '3.3.0' } };
    await writeNodeBootData(store, nodeBootData(plan.nodes[0]!, endpoints('10.0.0.1', 8080), { flatcarVersion: '1.2.3', console: [], kernelArgs: [] }, cfg, cfg));
    expect((await readdir(join(dir as string, 'groups'))).sort()).to.deep.equal(['racker-install-020000000100.json', 'racker-installed-020000000100.json']);
    expect((await readdir(join(dir as string, 'profiles'))).sort()).to.deep.equal(['racker-install-020000000100.json', 'racker-installed-020000000100.json']);
    const group = JSON.parse(await readFile(join(dir as string, 'groups', 'racker-installed-020000000100.json'), 'utf8')) as Record<string, unknown>;
    expect(group).to.deep.include({ id: 'racker-installed-020000000100', profile: 'racker-installed-020000000100', selector: { mac: '02:00:00:00:01:00', os: 'installed' } });
    const ign = join(dir as string, 'ignition', 'racker-install-020000000100.ign');
    expect(JSON.parse(await readFile(ign, 'utf8'))).to.deep.equal(cfg);
    expect((await stat(ign)).mode & 0o777).to.equal(0o600);
    // No temp files left behind.
    expect((await readdir(join(dir as string, 'ignition'))).filter((n) => n.startsWith('.'))).to.deep.equal([]);
  });

  it('removes groups idempotently and refuses names that would escape the directory', async () => {
    const store = new FileBootStore(dir as string);
    await store.putGroup({ id: 'g1', profile: 'p' });
    await store.removeGroup('g1');
    await store.removeGroup('g1');
    expect(await readdir(join(dir as string, 'groups'))).to.deep.equal([]);
    for (const bad of ['../x', 'a/b', '.hidden', '']) {
      await store.putIgnition(bad, '{}').then(() => expect.fail(bad), (e: Error) => expect(e.message).to.contain('invalid ignition name'));
    }
  });
});
