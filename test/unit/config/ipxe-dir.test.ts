import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../../agent/config/parse.js';
import { envPathDefaults } from '../../../agent/config/paths.js';
import { configSchema } from '../../../agent/config/schema.js';
import { DEBIAN_IPXE_DIR, codeRoot, defaultIpxeDir } from '../../../agent/config/ipxe-dir.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('config/ipxe-dir (default of dhcp.ipxeDir)', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  it('is the payload\'s ipxe/ when the code runs from a payload (it has a MANIFEST)', async () => {
    const root = join(dir, 'opt/racker/versions/1.4.0');
    await mkdir(join(root, 'ipxe'), { recursive: true });
    await writeFile(join(root, 'MANIFEST'), '');
    expect(defaultIpxeDir(root)).to.equal(join(root, 'ipxe'));
    expect(defaultIpxeDir(`${root}/`)).to.equal(join(root, 'ipxe'));
  });

  it('is Debian\'s /usr/lib/ipxe for a tree without a MANIFEST (a checkout)', async () => {
    await mkdir(join(dir, 'ipxe'));
    expect(defaultIpxeDir(dir)).to.equal(DEBIAN_IPXE_DIR);
    expect(DEBIAN_IPXE_DIR).to.equal('/usr/lib/ipxe');
  });

  it('finds the root of the running tree (where package.json is), so tests run as a checkout', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(join(codeRoot(), 'package.json'), 'utf8')) as { name: string };
    expect(pkg.name).to.equal('racker');
    expect(parseConfig('', undefined, {}).dhcp.ipxeDir).to.equal(DEBIAN_IPXE_DIR);
  });

  it('loses to an explicit dhcp.ipxeDir', () => {
    const schema = configSchema(envPathDefaults({}), '/opt/racker/versions/1.4.0/ipxe');
    expect(schema.parse({}).dhcp.ipxeDir).to.equal('/opt/racker/versions/1.4.0/ipxe');
    expect(schema.parse({ dhcp: { ipxeDir: '/srv/ipxe' } }).dhcp.ipxeDir).to.equal('/srv/ipxe');
    expect(parseConfig('dhcp:\n  ipxeDir: /srv/ipxe\n', 'f', {}).dhcp.ipxeDir).to.equal('/srv/ipxe');
  });
});
