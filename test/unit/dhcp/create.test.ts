import { expect } from 'chai';
import { dnsmasqRunner } from '../../../agent/dhcp/create.js';
import { configFrom } from '../../lib/dhcp-plan.js';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('dhcp/create', () => {
  it('runs dnsmasq as a child in binary mode and through systemd in container mode', () => {
    expect(dnsmasqRunner(configFrom('dhcp:\n  mode: binary\n').dhcp, { path: '' }).mode).to.equal('binary');
    expect(dnsmasqRunner(configFrom('dhcp:\n  mode: container\n').dhcp, { path: '/usr/sbin:/usr/bin' }).mode).to.equal('container');
  });

  it('auto (the default): the binary when dnsmasqPath is an executable on PATH, else the container', async () => {
    const dir = await makeTempDir('racker-dnsmasq-auto-');
    try {
      const bin = join(dir, 'bin');
      await mkdir(bin);
      const auto = configFrom().dhcp;
      expect(auto.mode).to.equal('auto');
      expect(dnsmasqRunner(auto, { path: bin }).mode).to.equal('container'); // Flatcar: no dnsmasq
      await writeFile(join(bin, 'dnsmasq'), '#!/bin/sh\n', { mode: 0o644 });
      expect(dnsmasqRunner(auto, { path: `/nonexistent${delimiter}${bin}` }).mode).to.equal('container'); // not executable
      await chmod(join(bin, 'dnsmasq'), 0o755);
      expect(dnsmasqRunner(auto, { path: `/nonexistent${delimiter}${bin}` }).mode).to.equal('binary');
      const absolute = configFrom(`dhcp:\n  dnsmasqPath: ${join(bin, 'dnsmasq')}\n`).dhcp;
      expect(dnsmasqRunner(absolute, { path: '' }).mode).to.equal('binary');
      expect(dnsmasqRunner(configFrom(`dhcp:\n  dnsmasqPath: ${join(dir, 'none')}\n`).dhcp, { path: bin }).mode).to.equal('container');
    } finally {
      await removeTempDir(dir);
    }
  });
});
