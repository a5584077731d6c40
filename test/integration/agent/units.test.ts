import { expect } from 'chai';
import { mustNotSkipInCi } from '../../lib/run-sim.js';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../../agent/lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const UNITS = ['racker-agent.service', 'racker-dnsmasq.service'];

/**
 * systemd-analyze verify checks that ExecStart programs exist and that dependencies resolve, so
 * the units are verified inside a throw-away root: the host's system units (sysinit.target ...),
 * stand-ins for /opt/bin/racker, docker and kill, and a stand-in docker.service. It exits 0 even
 * for unknown keys or bad values (it only warns), so any output at all counts as a failure.
 */
async function verify(root: string, units: string[]): Promise<{ exitCode: number; output: string }> {
  const r = await exec('systemd-analyze', ['verify', '--man=no', '--generators=no', `--root=${root}`, ...units], { okExitCodes: [0, 1], env: { SYSTEMD_LOG_LEVEL: 'notice', SYSTEMD_LOG_TARGET: 'console', SYSTEMD_LOG_COLOR: '0' } });
  return { exitCode: r.exitCode, output: `${r.stdout}${r.stderr}`.trim() };
}

describe('units: systemd-analyze verify', function () {
  this.timeout(60_000);
  let root: string | undefined;

  before(async function () {
    try {
      await exec('systemd-analyze', ['--version']);
    } catch {
      // systemd is in scripts/debian-packages.txt; without it there is nothing to verify with (CI fails instead).
      if (mustNotSkipInCi('systemd-analyze is not installed') !== undefined) this.skip();
    }
    root = await makeTempDir('racker-units-');
    await mkdir(join(root, 'usr/lib/systemd'), { recursive: true });
    await cp('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    for (const bin of ['opt/bin/racker', 'usr/bin/docker', 'bin/kill']) {
      await mkdir(join(root, bin, '..'), { recursive: true });
      await writeFile(join(root, bin), '#!/bin/sh\n');
      await chmod(join(root, bin), 0o755);
    }
    await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
    await writeFile(join(root, 'etc/systemd/system/docker.service'), '[Unit]\nDescription=stand-in for Flatcar\'s docker\n[Service]\nExecStart=/usr/bin/docker\n');
    for (const u of UNITS) await cp(join(repoRoot, 'units', u), join(root, 'etc/systemd/system', u));
  });
  after(async () => { await removeTempDir(root); });

  it('verifies both units without a single warning', async () => {
    const r = await verify(root as string, UNITS);
    expect(r.output).to.equal('');
    expect(r.exitCode).to.equal(0);
  });

  it('would catch a broken unit (the check can fail)', async () => {
    const broken = join(root as string, 'etc/systemd/system/racker-broken.service');
    const text = await readFile(join(repoRoot, 'units/racker-agent.service'), 'utf8');
    await writeFile(broken, text.replace(/^Type=notify$/m, 'Type=notifyy').replace('ExecStart=/opt/bin/racker', 'ExecStart=/opt/bin/rackerr'));
    const r = await verify(root as string, ['racker-broken.service']);
    expect(r.output).to.match(/Failed to parse service type/);
    expect(r.output).to.match(/rackerr/);
  });

  it('racker-agent.service: notify, watchdog, restart on failure, strict protection with its write paths, few capabilities', async () => {
    const text = await readFile(join(repoRoot, 'units/racker-agent.service'), 'utf8');
    const value = (key: string): string[] => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');
    expect(value('Type')).to.deep.equal(['notify']);
    expect(value('WatchdogSec')).to.have.length(1);
    expect(value('Restart')).to.deep.equal(['on-failure']);
    expect(value('ProtectSystem')).to.deep.equal(['strict']);
    expect(value('ReadWritePaths')).to.deep.equal(['/var/lib/racker /run/racker']);
    expect(value('ExecReload')).to.deep.equal(['/bin/kill -HUP $MAINPID']);
    expect(value('CapabilityBoundingSet')[0]?.split(' ').sort()).to.deep.equal(
      ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID']);
    // dnsmasq drops to nobody and must reach <state>/dhcp: the state directory is searchable by others (0700 stopped it).
    expect(value('StateDirectoryMode')).to.deep.equal(['0711']);
    // @system-service kills Node.js 20 with SIGSYS (pkey_alloc).
    expect(value('SystemCallFilter')).to.deep.equal([]);
  });

  it('points Documentation= at a file every payload carries', async () => {
    const conf = await readFile(join(repoRoot, 'conf.yaml'), 'utf8');
    expect(conf).to.match(/\{type: file, path: docs\}/);
    for (const u of UNITS) {
      const text = await readFile(join(repoRoot, 'units', u), 'utf8');
      const doc = /^Documentation=file:\/opt\/racker\/current\/(.*)$/m.exec(text)?.[1];
      expect(doc, u).to.equal('docs/agent.md');
      await readFile(join(repoRoot, doc as string)); // exists in the tree the payload copies
    }
  });
});
