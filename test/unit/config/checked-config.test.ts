/**
 * Snapshots of validated configurations (agent/config/checked-config.ts): taken only for exactly
 * the text, environment and code that validated, never instead of reporting a bad file.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { loadConfig } from '../../../agent/config/load.js';
import { parseConfig } from '../../../agent/config/parse.js';
import { checkedConfigPath, SCHEMA_MODULES_ELSEWHERE, validationFiles } from '../../../agent/config/checked-config.js';
import { codeRoot } from '../../../agent/config/ipxe-dir.js';
import { ValidationError } from '../../../agent/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('configuration snapshots (checked-config)', () => {
  let dir: string | undefined;
  let file = '';
  beforeEach(async () => {
    dir = await makeTempDir('racker-checked-config-');
    file = join(dir, 'racker.yaml');
  });
  afterEach(async () => {
    await rm(checkedConfigPath(file), { force: true });
    await removeTempDir(dir);
  });

  it('remembers a valid file and gives the same configuration from the snapshot', async () => {
    await writeFile(file, 'network:\n  subnet: 10.9.0.0/24\nbmc:\n  driver: redfish\n');
    const env = { RACKER_CONFIG: file };
    const first = await loadConfig({ env });
    const snapshot = JSON.parse(await readFile(checkedConfigPath(file), 'utf8')) as { key: string; sha256: string; config: { network: { subnet: string } } };
    expect(snapshot.config.network.subnet).to.equal('10.9.0.0/24');
    // Prove the second load reads the snapshot: a forged value under the right key and sum comes back.
    snapshot.config.network.subnet = '10.8.0.0/24';
    snapshot.sha256 = createHash('sha256').update(JSON.stringify(snapshot.config)).digest('hex');
    await writeFile(checkedConfigPath(file), JSON.stringify(snapshot));
    const second = await loadConfig({ env });
    expect(second.network.subnet).to.equal('10.8.0.0/24');
    expect(Object.isFrozen(second.network)).to.equal(true);
    expect(second.source).to.equal(file);
    expect(JSON.stringify({ ...second, network: first.network })).to.equal(JSON.stringify(first));
  });

  it('takes no damaged or hand-edited snapshot: the file is validated again and the snapshot rewritten', async () => {
    await writeFile(file, 'network:\n  subnet: 10.9.0.0/24\n');
    const env = { RACKER_CONFIG: file };
    const first = await loadConfig({ env });
    const good = await readFile(checkedConfigPath(file), 'utf8');
    const edited = JSON.parse(good) as { config: { network: { subnet: unknown } } };
    edited.config.network.subnet = 42; // a value parseConfig never returns, under the right key
    for (const text of [JSON.stringify(edited), '{"key": ', 'null', JSON.stringify({ ...edited, sha256: undefined })]) {
      await writeFile(checkedConfigPath(file), text);
      const again = await loadConfig({ env });
      expect(again.network.subnet).to.equal('10.9.0.0/24');
      expect(JSON.stringify(again)).to.equal(JSON.stringify(first));
      expect(await readFile(checkedConfigPath(file), 'utf8')).to.equal(good);
    }
  });

  it('says what the file should change (old setting names) at every load, the snapshot\'s included', async () => {
    await writeFile(file, 'bootstrap:\n  deadlines:\n    ready: 900\n');
    for (let i = 0; i < 2; i++) {
      const warned: string[] = [];
      const c = await loadConfig({ env: { RACKER_CONFIG: file }, warn: (l) => warned.push(l) });
      expect(c.bootstrap.deadlines.readySeconds).to.equal(900);
      expect(warned).to.deep.equal([`warning: ${file}:3: bootstrap.deadlines.ready: deprecated name: this setting is now bootstrap.deadlines.readySeconds (same value, seconds); read as that\n    fix: rename ready to readySeconds`]);
    }
  });

  it('validates again when the text or the environment changes, and reports a bad file', async () => {
    await writeFile(file, 'network:\n  subnet: 10.9.0.0/24\n');
    await loadConfig({ env: { RACKER_CONFIG: file } });
    const withEnv = await loadConfig({ env: { RACKER_CONFIG: file, RACKER_STATE_DIR: '/srv/racker' } });
    expect(withEnv.paths.stateDir).to.equal('/srv/racker');
    await writeFile(file, 'network:\n  subnet: not-a-subnet\n');
    const e = await loadConfig({ env: { RACKER_CONFIG: file } }).then(() => undefined, (err: unknown) => err);
    expect(e).to.be.instanceOf(ValidationError);
    expect((e as ValidationError).problems[0]).to.include({ file, field: 'network.subnet', line: 2 });
  });

  it('matches what parseConfig returns', async () => {
    const text = 'dhcp:\n  enabled: false\n';
    await writeFile(file, text);
    await loadConfig({ env: { RACKER_CONFIG: file } });
    const cached = await loadConfig({ env: { RACKER_CONFIG: file } });
    expect(JSON.stringify(cached)).to.equal(JSON.stringify(parseConfig(text, file, { RACKER_CONFIG: file })));
  });

  it('keys on every module validation runs: parse.js imports nothing outside agent/config that the stamp misses', async () => {
    const root = codeRoot();
    const seen = new Set<string>();
    const walk = async (path: string): Promise<void> => {
      if (seen.has(path)) return;
      seen.add(path);
      const text = await readFile(path, 'utf8');
      for (const m of text.matchAll(/^import (?!type )[^'"]*['"](\.[^'"]+)['"]/gm)) await walk(join(dirname(path), m[1] as string));
    };
    const configDir = join(root, 'dist', 'agent', 'config');
    await walk(join(configDir, 'parse.js'));
    const elsewhere = [...seen].filter((p) => !p.startsWith(`${configDir}/`)).map((p) => relative(join(root, 'dist'), p)).sort();
    expect(elsewhere).to.deep.equal([...SCHEMA_MODULES_ELSEWHERE].sort());
    const files = validationFiles(root);
    for (const p of seen) expect(files).to.include(relative(root, p));
    expect(files).to.include('conf.yaml');
  });
});
