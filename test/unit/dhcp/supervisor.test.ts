import { expect } from 'chai';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DnsmasqSupervisor } from '../../../agent/dhcp/supervisor.js';
import type { DhcpEvent } from '../../../agent/dhcp/events.js';
import { dnsmasqFilePaths } from '../../../agent/dhcp/render-config.js';
import { isRackerError, errorMessage } from '../../../agent/lib/errors.js';
import { FakeDnsmasqRunner } from '../../lib/fake-dnsmasq-runner.js';
import { RESERVATIONS, configFrom, mac, samplePlan } from '../../lib/dhcp-plan.js';
import { nextEvent, recordEvents } from '../../lib/events.js';
import { captureLog } from '../../lib/log-capture.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('dhcp/supervisor (fake dnsmasq)', () => {
  let dir: string;
  let ipxeDir: string;
  let runner: FakeDnsmasqRunner;
  let supervisor: DnsmasqSupervisor | undefined;
  const files = (): ReturnType<typeof dnsmasqFilePaths> => dnsmasqFilePaths(join(dir, 'state'));

  beforeEach(async () => {
    dir = await makeTempDir();
    ipxeDir = join(dir, 'ipxe');
    await mkdir(ipxeDir);
    for (const f of ['undionly.kpxe', 'ipxe.efi']) await writeFile(join(ipxeDir, f), f);
    runner = new FakeDnsmasqRunner(files().reservations);
  });

  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
    await removeTempDir(dir);
  });

  function make(yaml = '', log = captureLog().log): DnsmasqSupervisor {
    const base = [`  ipxeDir: ${ipxeDir}`, '  restartMinDelayMs: 10', '  restartMaxDelayMs: 40'].filter((l) => !yaml.includes(`${l.split(':')[0] ?? ''}:`));
    const dhcp = configFrom(`dhcp:\n${base.join('\n')}\n${yaml}`).dhcp;
    supervisor = new DnsmasqSupervisor({ dhcp, stateDir: join(dir, 'state'), plan: samplePlan(), runner, log, flushMs: 5, stableMs: 60_000, leasePollMs: 60_000 });
    return supervisor;
  }

  it('writes the files, checks them, and starts dnsmasq once it has read its reservations', async () => {
    const s = make();
    const started = nextEvent(s.events, (e) => e.type === 'started');
    await s.start(new AbortController().signal);
    expect(runner.tested).to.deep.equal([files().conf]);
    expect(runner.instances).to.have.length(1);
    expect(await started).to.deep.equal({ type: 'started', pid: 100 });
    expect(s.pid).to.equal(100);
    expect(await s.healthcheck()).to.equal(true);
    expect(await readFile(files().conf, 'utf8')).to.contain('interface=br0\n');
    expect(await readFile(files().reservations, 'utf8')).to.contain('00:11:22:33:44:10,172.24.213.2,node-02,1h\n');
    expect((await stat(files().reservations)).mode & 0o777).to.equal(0o644);
    expect((await stat(join(dir, 'state', 'dhcp'))).mode & 0o777).to.equal(0o755);
  });

  it('reloads with SIGHUP, same process, when only a reservation changed', async () => {
    const s = make();
    await s.start(new AbortController().signal);
    const added = { mac: mac('00:11:22:33:44:60'), ip: '172.24.213.6', hostname: 'node-04', role: 'node' as const, row: 4 };
    const reloaded = nextEvent(s.events, (e) => e.type === 'reloaded');
    expect(await s.apply(samplePlan({ reservations: [...RESERVATIONS, added] }))).to.equal('reloaded');
    expect(await reloaded).to.deep.equal({ type: 'reloaded', pid: 100 });
    expect(runner.instances).to.have.length(1);
    expect(runner.last.reloads).to.equal(1);
    expect(await readFile(files().reservations, 'utf8')).to.contain('00:11:22:33:44:60,172.24.213.6,node-04,1h\n');
    expect(await s.apply(samplePlan({ reservations: [...RESERVATIONS, added] }))).to.equal('unchanged');
    expect(runner.last.reloads).to.equal(1);
  });

  it('restarts at once when dnsmasq.conf changed', async () => {
    const s = make();
    await s.start(new AbortController().signal);
    const { events } = recordEvents(s.events);
    expect(await s.apply(samplePlan({ interface: 'eth7' }))).to.equal('restarted');
    expect(runner.instances).to.have.length(2);
    expect(runner.instances[0]?.stopped).to.equal(true);
    expect(s.pid).to.equal(101);
    expect(runner.tested).to.have.length(2);
    expect(events.map((e) => e.type)).to.not.include('restarting'); // asked for, not a crash
    expect(await readFile(files().conf, 'utf8')).to.contain('interface=eth7\n');
  });

  it('restarts a dnsmasq that died, with growing backoff, and says so', async () => {
    const { log, lines } = captureLog();
    const s = make('', log);
    await s.start(new AbortController().signal);
    const { events } = recordEvents(s.events);
    const second = nextEvent(s.events, (e) => e.type === 'started' && e.pid === 101);
    runner.last.crash({ code: null, signal: 'SIGKILL' });
    await second;
    const third = nextEvent(s.events, (e) => e.type === 'started' && e.pid === 102);
    runner.last.crash({ code: 1, signal: null });
    await third;
    const restarts = events.filter((e): e is Extract<DhcpEvent, { type: 'restarting' }> => e.type === 'restarting');
    expect(restarts.map((e) => e.attempt)).to.deep.equal([1, 2]);
    expect(restarts[0]!.delayMs).to.be.within(5, 10); // minDelay 10, jitter 0.5
    expect(restarts[1]!.delayMs).to.be.within(10, 20);
    expect(events.filter((e) => e.type === 'exited')).to.deep.equal([
      { type: 'exited', pid: 100, code: null, signal: 'SIGKILL' },
      { type: 'exited', pid: 101, code: 1, signal: null },
    ]);
    expect(s.pid).to.equal(102);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).to.deep.equal(['dnsmasq was killed by SIGKILL; restarting', 'dnsmasq exited with status 1; restarting']);
  });

  it('keeps trying when a restart itself fails', async () => {
    const s = make();
    await s.start(new AbortController().signal);
    runner.failNextStarts = ['dnsmasq: failed to create listening socket for port 67: Address already in use'];
    const third = nextEvent(s.events, (e) => e.type === 'started' && e.pid === 102);
    runner.last.crash();
    await third;
    expect(s.pid).to.equal(102);
    expect(await s.healthcheck()).to.equal(true);
  });

  it('fails start with the reason when dnsmasq exits at once', async () => {
    const s = make();
    runner.failNextStarts = ['dnsmasq: unknown interface br0'];
    const err = await s.start(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(isRackerError(err) && err.code).to.equal('RACKER_E_DHCP');
    expect(errorMessage(err)).to.equal('dnsmasq exited with status 2 while starting: dnsmasq: unknown interface br0');
    expect((err as { hint: string }).hint).to.match(/interface br0 exists and has 172.24.213.0\/24/);
    expect(await s.healthcheck()).to.equal(false);
  });

  it('refuses to start on a configuration dnsmasq rejects', async () => {
    const s = make();
    runner.testFailure = 'dnsmasq: bad dhcp-range at line 12 of /x';
    const err = await s.start(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(errorMessage(err)).to.match(/^dnsmasq rejects the configuration racker wrote to .*dnsmasq.conf: .*bad dhcp-range at line 12/);
    expect(runner.instances).to.have.length(0);
  });

  it('refuses to start without the iPXE boot files, naming them', async () => {
    const s = make('  uefiBootFile: snponly.efi\n');
    const err = await s.start(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(errorMessage(err)).to.equal(`the iPXE boot file snponly.efi is not in dhcp.ipxeDir ${ipxeDir}; nodes could not PXE boot`);
    expect((err as { hint: string }).hint).to.match(/apt-get install ipxe/);
    expect(runner.instances).to.have.length(0);
  });

  it('turns dnsmasq\'s log into typed events and reports discovered machines', async () => {
    const s = make('  discovery: true\n');
    await s.start(new AbortController().signal);
    const discovered = nextEvent(s.events, (e) => e.type === 'discovery');
    const ack = nextEvent(s.events, (e) => e.type === 'dhcp' && e.message === 'ACK');
    for (const l of ['9 vendor class: PXEClient:Arch:00007:UNDI:003016', '9 DHCPREQUEST(br0) 172.24.213.245 00:11:22:33:44:99 ', '9 tags: discovery, arch7, br0', '9 DHCPACK(br0) 172.24.213.245 00:11:22:33:44:99 ']) runner.last.say(l);
    expect(await ack).to.deep.include({ mac: '00:11:22:33:44:99', ip: '172.24.213.245', known: false, clientArch: 7 });
    expect(await discovered).to.deep.equal({ type: 'discovery', mac: '00:11:22:33:44:99', ip: '172.24.213.245', clientArch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003016', hostname: undefined });
  });

  it('reports no discovery when the pool is off, and logs dnsmasq\'s complaints as warnings', async () => {
    const { log, lines } = captureLog();
    const s = make('', log);
    await s.start(new AbortController().signal);
    const { events } = recordEvents(s.events);
    for (const l of ['9 DHCPREQUEST(br0) 172.24.213.245 00:11:22:33:44:99 ', '9 DHCPACK(br0) 172.24.213.245 00:11:22:33:44:99 ']) runner.last.say(l);
    runner.last.say('cannot read /var/lib/racker/dhcp/reservations: Permission denied');
    expect(events.map((e) => e.type)).to.deep.equal(['dhcp', 'dhcp', 'log']);
    expect(lines.filter((l) => l.level === 'warn')).to.have.length(1);
    expect(lines.find((l) => l.level === 'warn')?.dnsmasq).to.equal('cannot read /var/lib/racker/dhcp/reservations: Permission denied');
  });

  it('stops promptly during a backoff wait, and twice is harmless', async () => {
    const s = make('  restartMinDelayMs: 60000\n  restartMaxDelayMs: 60000\n');
    await s.start(new AbortController().signal);
    const waiting = nextEvent(s.events, (e) => e.type === 'restarting');
    runner.last.crash();
    await waiting;
    await s.stop();
    await s.stop();
    expect(runner.instances).to.have.length(1);
    expect(await s.healthcheck()).to.equal(false);
  });

  it('stops a dnsmasq that is still starting, and start() then fails', async () => {
    const s = make();
    runner.silent = true;
    const starting = s.start(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    await runner.started(1);
    await s.stop();
    expect(((await starting) as Error).message).to.equal('dnsmasq was stopped while starting');
    expect(runner.last.stopped).to.equal(true);
  });

  it('carries on when dnsmasq never reports reading its reservations', async () => {
    const { log, lines } = captureLog();
    const dhcp = configFrom(`dhcp:\n  ipxeDir: ${ipxeDir}\n`).dhcp;
    supervisor = new DnsmasqSupervisor({ dhcp, stateDir: join(dir, 'state'), plan: samplePlan(), runner, log, readyTimeoutMs: 20, leasePollMs: 60_000 });
    runner.silent = true;
    await supervisor.start(new AbortController().signal);
    expect(supervisor.pid).to.equal(100);
    expect(lines.some((l) => l.level === 'warn' && /did not report reading its reservations/.test(String(l.msg)))).to.equal(true);
  });

  it('warns when dnsmasq cannot send router advertisements (no IPv6 address on the interface)', async () => {
    const { log, lines } = captureLog();
    const s = make('', log);
    runner.ipv6Address = false;
    await s.start(new AbortController().signal);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).to.deep.equal([
      'dnsmasq sends no IPv6 router advertisements: br0 has no IPv6 address besides link-local, so iPXE waits about 13 s for IPv6 autoconfiguration on every boot; give it a ULA such as fd00::1/64',
    ]);
  });

  it('does not warn when it can', async () => {
    const { log, lines } = captureLog();
    await make('', log).start(new AbortController().signal);
    expect(lines.filter((l) => l.level === 'warn')).to.deep.equal([]);
  });

  it('refuses to run a dnsmasq that cannot read its reservations', async () => {
    const s = make();
    runner.unreadable = true;
    const err = await s.start(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(errorMessage(err)).to.equal(`dnsmasq cannot read ${files().reservations}: Permission denied, so it would serve no reservations`);
    expect((err as { hint: string }).hint).to.match(/chmod o\+x/);
    expect(runner.last.stopped).to.equal(true);
  });

  it('fails a reload that dnsmasq could not read', async () => {
    const s = make();
    await s.start(new AbortController().signal);
    runner.last.unreadable = true;
    const err = await s.apply(samplePlan({ reservations: RESERVATIONS.slice(1) })).then(() => undefined, (e: unknown) => e);
    expect(errorMessage(err)).to.match(/cannot read .*reservations: Permission denied/);
  });

  it('applies quick successive changes one after another', async () => {
    const s = make();
    await s.start(new AbortController().signal);
    const results = await Promise.all([
      s.apply(samplePlan({ reservations: RESERVATIONS.slice(1) })),
      s.apply(samplePlan({ reservations: RESERVATIONS.slice(2) })),
      s.apply(samplePlan({ interface: 'eth9', reservations: RESERVATIONS.slice(2) })),
    ]);
    expect(results).to.deep.equal(['reloaded', 'reloaded', 'restarted']);
    expect(runner.instances.map((d) => d.reloads)).to.deep.equal([2, 0]);
    expect(await readFile(files().reservations, 'utf8')).to.not.contain('00:11:22:33:44:20');
  });
});
