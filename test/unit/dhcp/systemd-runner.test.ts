import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { dnsmasqFilePaths } from '../../../agent/dhcp/render-config.js';
import { repoRoot } from '../../lib/paths.js';
import { SystemdDnsmasqRunner } from '../../../agent/dhcp/systemd-runner.js';
import { fakeSpawn } from '../../lib/fake-child.js';
import { FakeSystemctl } from '../../lib/fake-systemctl.js';
import { errorMessage } from '../../../agent/lib/errors.js';

describe('dhcp/systemd-runner (container mode, fake systemctl)', () => {
  const unit = 'racker-dnsmasq.service';

  it('follows the journal, restarts the unit, and knows its main PID', async () => {
    const systemctl = new FakeSystemctl();
    const { spawn, children } = fakeSpawn();
    const lines: string[] = [];
    const runner = new SystemdDnsmasqRunner({ unit, exec: systemctl.exec, spawn, pollMs: 5 });
    const instance = await runner.start('/var/lib/racker/dhcp/dnsmasq.conf', (l) => lines.push(l));
    expect(children.map((c) => [c.file, ...c.args].join(' '))).to.deep.equal([`journalctl --unit ${unit} --follow --lines=0 --output=cat`]);
    expect(systemctl.commands).to.deep.equal([`systemctl restart ${unit}`, `systemctl show --property=MainPID --value ${unit}`]);
    expect(instance.pid).to.equal(4242);
    children[0]!.say('dnsmasq-dhcp[7]: read /var/lib/racker/dhcp/reservations');
    expect(lines).to.deep.equal(['dnsmasq-dhcp[7]: read /var/lib/racker/dhcp/reservations']);
    await instance.reload();
    expect(systemctl.commands.at(-1)).to.equal(`systemctl reload ${unit}`);
    await instance.stop();
    expect(systemctl.commands.at(-1)).to.equal(`systemctl stop ${unit}`);
    expect(children[0]!.running).to.equal(false);
  });

  it('reports the unit as ended when it is no longer active', async () => {
    const systemctl = new FakeSystemctl();
    const runner = new SystemdDnsmasqRunner({ unit, exec: systemctl.exec, spawn: fakeSpawn().spawn, pollMs: 5 });
    const instance = await runner.start('/x', () => undefined);
    systemctl.active = false;
    expect(await instance.exited).to.deep.equal({ code: 3, signal: null });
    await instance.stop();
  });

  it('fails start with systemctl\'s complaint and leaves no journal follower behind', async () => {
    const systemctl = new FakeSystemctl();
    systemctl.failing.set('restart', 'Job for racker-dnsmasq.service failed because the control process exited with error code.');
    const { spawn, children } = fakeSpawn();
    const runner = new SystemdDnsmasqRunner({ unit, exec: systemctl.exec, spawn });
    const err = await runner.start('/x', () => undefined).then(() => undefined, (e: unknown) => e);
    expect(errorMessage(err)).to.match(/systemctl restart racker-dnsmasq.service exited with status 1: Job for/);
    expect(children[0]!.running).to.equal(false);
  });

  it('leaves the syntax check to the container', async () => {
    const systemctl = new FakeSystemctl();
    await new SystemdDnsmasqRunner({ unit, exec: systemctl.exec, spawn: fakeSpawn().spawn }).test('/x');
    expect(systemctl.calls).to.deep.equal([]);
  });
});

describe('units/racker-dnsmasq.service', function () {
  it('reads the configuration where the agent writes it, and can write its lease file there', async () => {
    const text = await readFile(join(repoRoot, 'units', 'racker-dnsmasq.service'), 'utf8');
    const files = dnsmasqFilePaths('/var/lib/racker');
    const dir = dirname(files.conf);
    expect(text).to.contain(` --conf-file=${files.conf}`);
    expect(dirname(files.leases)).to.equal(dir);
    // Mounted at the same path and not read-only: dnsmasq rewrites the lease file in place.
    expect(text).to.match(new RegExp(`--volume ${dir}:${dir} `));
    expect(text).not.to.match(/\/var\/lib\/racker\/dnsmasq/);
  });
});
