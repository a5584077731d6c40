/** `racker rollback` and `racker version` on a machine where nothing is installed in /opt/racker. */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRacker } from '../../lib/run-racker.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('racker rollback / version with nothing installed', function () {
  this.timeout(60_000);
  let dir: string;
  let config: string;
  beforeEach(async () => {
    dir = await makeTempDir();
    config = join(dir, 'racker.yaml');
    await writeFile(config, `installer:\n  root: ${dir}\n`);
  });
  afterEach(async () => { await removeTempDir(dir); });

  it('rollback says plainly that racker is not installed (exit 1), not an internal error', async () => {
    const r = await runRacker(['rollback', '--config', config]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`racker is not installed on this machine (${join(dir, 'opt', 'racker')} does not exist): there is nothing to roll back`);
    expect(r.stderr).to.not.match(/internal error|This is a bug|ENOENT/);
  });

  it('version says so too, and exits 0', async () => {
    const r = await runRacker(['version', '--config', config, '--offline']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^racker \d+\.\d+\.\d+\ninstalled: none \(racker is not installed on this machine\)\n/);
  });
});
