import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { runRacker } from '../../lib/run-racker.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example';

/** "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 8; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

describe('small inputs: a YAML alias bomb and a malformed Ignition snippet are named, not crashed on', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let rack: FakeRack;
  beforeEach(async () => {
    dir = await makeTempDir('racker-small-');
    rack = await writeFakeRack(dir);
  });
  afterEach(async () => removeTempDir(dir));

  it('a configuration with an alias bomb is a configuration error naming the file', async () => {
    await writeFile(rack.configPath, aliasBomb());
    const r = await runRacker(['status'], rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`${rack.configPath} is not valid YAML`).and.include('aliases');
    expect(r.stderr).to.not.include('internal error');
  });

  it('saved bootstrap answers with an alias bomb are refused the same way', async () => {
    await writeFile(join(rack.etcDir, 'bootstrap.yaml'), aliasBomb());
    const r = await runRacker(['bootstrap', '--dry-run', '--yes', '--ssh-key', KEY], rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`${join(rack.etcDir, 'bootstrap.yaml')} is not valid YAML`).and.not.include('internal error');
  });

  it('an Ignition snippet that breaks the schema fails --dry-run, naming the file and the field', async () => {
    const snippet = join(rack.etcDir, 'snippets', 'all', '10-storage.ign');
    await mkdir(join(rack.etcDir, 'snippets', 'all'), { recursive: true });
    await writeFile(snippet, '{"ignition": {"version": "3.3.0"}, "storage": "oops"}\n');
    const r = await runRacker(['bootstrap', '--dry-run', '--yes', '--ssh-key', KEY], rack.env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`${snippet}: storage: expected an object`);
  });
});
