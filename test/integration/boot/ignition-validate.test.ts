import { expect } from 'chai';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../../agent/lib/exec.js';
import { CommandFailedError } from '../../../agent/lib/errors.js';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';
import { testData } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

/** Every Ignition config the service generates goes through Debian's ignition-validate. */
describe('boot service output passes ignition-validate', function () {
  let b: BootHarness;
  let tmp: string;

  before(async function () {
    try {
      await exec('ignition-validate', ['--version']);
    } catch {
      this.skip(); // reason: the Debian ignition package is not installed (scripts/debian-packages.txt lists it)
    }
    tmp = await makeTempDir('racker-ignval-');
    b = await startBoot({ fixture: testData('matchbox', 'racker') });
    // matchbox's own Butane example, served through a group of its own.
    const reloaded = b.nextReload();
    await copyFile(testData('matchbox', 'examples', 'ignition', 'flatcar-install.yaml'), join(b.dataDir, 'ignition', 'flatcar-install.yaml'));
    await writeFile(join(b.dataDir, 'profiles', 'example.json'), JSON.stringify({ id: 'example', ignition_id: 'flatcar-install.yaml' }));
    await writeFile(join(b.dataDir, 'groups', 'example.json'), JSON.stringify({ id: 'example', profile: 'example', selector: { case: 'example' } }));
    await reloaded;
  });
  after(async () => {
    await b?.stop();
    await removeTempDir(tmp);
  });

  async function validate(name: string, body: string): Promise<void> {
    const file = join(tmp, `${name}.ign`);
    await writeFile(file, body);
    await exec('ignition-validate', [file]); // throws CommandFailedError with its stderr on any problem
  }

  const cases: [string, string][] = [
    ['butane-template-1.1.0', '/ignition?mac=52-54-00-00-00-01&x=1'],
    ['raw-3.3.0', '/ignition?mac=52-54-00-00-00-01&os=installed'],
    ['butane-static-1.0.0', '/ignition?case=legacy'],
    ['matchbox-example-flatcar-install', '/ignition?case=example'],
  ];
  for (const [name, path] of cases) {
    it(`${name}: ${path}`, async () => {
      const r = await http({ port: b.port, path });
      expect(r.status, r.text).to.equal(200);
      expect(JSON.parse(r.text)).to.have.nested.property('ignition.version', '3.3.0');
      await validate(name, r.text);
    });
  }

  it('the validator is not a rubber stamp: it rejects a config with a relative path', async () => {
    const bad = '{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"etc/x"}]}}';
    let failed: unknown;
    await validate('bad', bad).catch((e: unknown) => { failed = e; });
    expect(failed).to.be.instanceOf(CommandFailedError);
  });
});
