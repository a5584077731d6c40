/** Every shape of rendered configuration passes the real `dnsmasq --test`. */
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnChild } from '../../../agent/dhcp/child-process.js';
import { dnsmasqFilePaths, renderDnsmasq, type DnsmasqRenderInput } from '../../../agent/dhcp/render-config.js';
import { BinaryDnsmasqRunner } from '../../../agent/dhcp/runner.js';
import { exec } from '../../../agent/lib/exec.js';
import { parseSubnet, type Subnet } from '../../../agent/lib/ipv4.js';
import { sampleInput } from '../../lib/dhcp-plan.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { errorMessage } from '../../../agent/lib/errors.js';

describe('dhcp: rendered configurations pass dnsmasq --test', () => {
  let dir: string;
  const runner = new BinaryDnsmasqRunner({ dnsmasqPath: 'dnsmasq', exec, spawn: spawnChild });

  before(async () => { dir = await makeTempDir(); });
  after(async () => { await removeTempDir(dir); });

  const variants: [string, string, Partial<DnsmasqRenderInput>][] = [
    ['defaults', '', {}],
    ['DNS with a domain', 'dhcp:\n  dns: true\n', { domain: 'rack1.example.com' }],
    ['DNS without a domain', 'dhcp:\n  dns: true\n', {}],
    ['discovery pool', 'dhcp:\n  discovery: true\n  discoveryLeaseTime: 90s\n', {}],
    ['discovery on but no pool planned', 'dhcp:\n  discovery: true\n', { discoveryPool: undefined }],
    ['router and DNS servers', 'dhcp:\n  router: 172.24.213.1\n  dnsServers: [9.9.9.9, 149.112.112.112]\n', {}],
    ['snponly.efi and arm64', 'dhcp:\n  uefiBootFile: snponly.efi\n', { availableBootFiles: new Set(['undionly.kpxe', 'snponly.efi', 'ipxe-arm64.efi']) }],
    ['a /16 with infinite leases', 'dhcp:\n  leaseTime: infinite\n', { subnet: parseSubnet('10.20.0.0/16') as Subnet, discoveryPool: { first: '10.20.255.200', last: '10.20.255.254' }, reservations: [] }],
    ['no reservations yet', '', { reservations: [] }],
  ];

  for (const [name, yaml, overrides] of variants) {
    it(name, async () => {
      const files = dnsmasqFilePaths(join(dir, name.replace(/\W+/g, '-')));
      const rendered = renderDnsmasq(sampleInput(yaml, { files, ...overrides }));
      await mkdir(join(files.conf, '..'), { recursive: true });
      await writeFile(files.conf, rendered.conf);
      await writeFile(files.reservations, rendered.reservations);
      if (rendered.dnsHosts !== undefined) await writeFile(files.dnsHosts, rendered.dnsHosts);
      await runner.test(files.conf);
    });
  }

  it('and the check does fail on a broken file', async () => {
    const conf = join(dir, 'broken.conf');
    await writeFile(conf, 'dhcp-range=not-an-address\n');
    const err = await runner.test(conf).then(() => undefined, (e: unknown) => e);
    expect(errorMessage(err)).to.match(/bad dhcp-range/);
  });
});
