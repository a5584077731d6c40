import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findBootFiles, requireBootFiles } from '../../../agent/dhcp/boot-files.js';
import { isRackerError, errorMessage } from '../../../agent/lib/errors.js';
import { configFrom } from '../../lib/dhcp-plan.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('dhcp/boot-files', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  const settings = (ipxeDir: string) => configFrom(`dhcp:\n  ipxeDir: ${ipxeDir}\n`).dhcp;
  const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

  it('finds the boot files that are there', async () => {
    await writeFile(join(dir, 'undionly.kpxe'), 'x');
    await writeFile(join(dir, 'ipxe.efi'), 'x');
    await mkdir(join(dir, 'ipxe-arm64.efi')); // a directory is not a boot file
    expect([...await findBootFiles(settings(dir))].sort()).to.deep.equal(['ipxe.efi', 'undionly.kpxe']);
  });

  it('names the setting, the path and the remedy when the directory does not exist', async () => {
    const missing = join(dir, 'opt/racker/versions/1.4.0/ipxe');
    const err = await failure(findBootFiles(settings(missing)));
    expect(isRackerError(err) && err.code).to.equal('RACKER_E_DHCP');
    expect(errorMessage(err)).to.equal(`dhcp.ipxeDir ${missing} does not exist; nodes could not PXE boot`);
    expect((err as { hint: string }).hint).to.match(/apt-get install ipxe/).and.match(/set dhcp\.ipxeDir/);
  });

  it('refuses a dhcp.ipxeDir that is a file', async () => {
    await writeFile(join(dir, 'ipxe'), 'x');
    const err = await failure(findBootFiles(settings(join(dir, 'ipxe'))));
    expect(errorMessage(err)).to.equal(`dhcp.ipxeDir ${join(dir, 'ipxe')} is not a directory; nodes could not PXE boot`);
  });

  it('names the missing boot files and the setting', () => {
    const dhcp = settings(dir);
    expect(() => requireBootFiles(dhcp, new Set(['ipxe.efi']))).to.throw(`the iPXE boot file undionly.kpxe is not in dhcp.ipxeDir ${dir}; nodes could not PXE boot`);
    expect(() => requireBootFiles(dhcp, new Set())).to.throw(/boot files undionly.kpxe, ipxe.efi are not in dhcp.ipxeDir/);
    expect([...requireBootFiles(dhcp, new Set(['ipxe.efi', 'undionly.kpxe']))]).to.have.length(2);
  });
});
