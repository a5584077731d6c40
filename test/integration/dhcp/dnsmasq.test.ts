/**
 * The real dnsmasq, run by the supervisor from the rendered configuration, on a bridge in a
 * network namespace ("the rack"), answering busybox udhcpc and tftp in a second namespace ("a
 * node") whose MAC the test sets. Nothing leaves the namespaces.
 */
import { expect } from 'chai';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../../agent/config/load.js';
import type { Config } from '../../../agent/config/schema.js';
import { spawnChild } from '../../../agent/dhcp/child-process.js';
import type { DhcpEvent, DhcpPacketEvent } from '../../../agent/dhcp/events.js';
import { dnsmasqPlan, type DnsmasqPlan } from '../../../agent/dhcp/render-config.js';
import { BinaryDnsmasqRunner } from '../../../agent/dhcp/runner.js';
import { DnsmasqSupervisor } from '../../../agent/dhcp/supervisor.js';
import { loadInventory, type Inventory } from '../../../agent/inventory/inventory.js';
import { normalizeMac, type Mac } from '../../../agent/lib/mac.js';
import { exec } from '../../../agent/lib/exec.js';
import { nextEvent, recordEvents } from '../../lib/events.js';
import { MGMT, writeFakeRack } from '../../lib/fake-rack.js';
import { captureLog } from '../../lib/log-capture.js';
import { TestNetwork } from '../../lib/netns.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { requestLease } from '../../lib/udhcpc.js';
import { liveCheck, type BmcProbe } from '../../../factory/live-check.js';
import { AgentDiscoverySource } from '../../../factory/discovery.js';
import { errorMessage } from '../../../agent/lib/errors.js';

const PXE = 'br-rack';
const NODE2 = { mac: '00:11:22:33:44:10', bmc: '00:11:22:33:44:11' };
const STRANGER = '02:00:00:00:be:ef';
const ULA = 'fd00:ac18:d5::1/64';

describe('dhcp: real dnsmasq in a network namespace', function () {
  this.timeout(60_000);
  let net: TestNetwork;
  let dir: string;
  let config: Config;
  let inventory: Inventory;
  let rack: string;
  let node: string;
  let supervisor: DnsmasqSupervisor | undefined;

  before(async function () {
    const reason = await TestNetwork.unavailable();
    if (reason !== undefined) {
      console.warn(`      skipped: ${reason}`);
      this.skip();
    }
    dir = await makeTempDir();
    await chmod(dir, 0o755); // dnsmasq runs as nobody and re-reads the hosts file after SIGHUP
    const fake = await writeFakeRack(dir, {
      interfaces: { eth0: { mac: '52:54:00:aa:bb:cc' }, [PXE]: { mac: MGMT.secondary } },
      configYaml: 'dhcp:\n  restartMinDelayMs: 50\n  restartMaxDelayMs: 200\n',
    });
    config = await loadConfig({ flag: fake.configPath });
    inventory = (await loadInventory(config)).inventory;
    net = new TestNetwork('dhcp');
    rack = await net.namespace('rack');
    await net.bridge(rack, PXE, { address: `${inventory.plan.managementAddress}/${inventory.plan.subnet.prefix}`, mac: MGMT.secondary });
    // dnsmasq's router advertisements (iPXE's IPv6 wait) need an address beyond link-local to build from.
    await net.ip(rack, ['addr', 'add', ULA, 'dev', PXE, 'nodad']);
    node = await net.namespace('node');
    await net.veth(rack, PXE, node, 'eth0', { mac: NODE2.mac });
  });

  after(async () => {
    await supervisor?.stop();
    await net?.cleanup();
    await removeTempDir(dir);
  });

  function makeSupervisor(dhcp: Config['dhcp'], plan: DnsmasqPlan = dnsmasqPlan(inventory, config)): DnsmasqSupervisor {
    const runner = new BinaryDnsmasqRunner({ dnsmasqPath: 'dnsmasq', wrapper: net.wrapper(rack), exec, spawn: spawnChild });
    return new DnsmasqSupervisor({ dhcp, stateDir: config.paths.stateDir, plan, runner, log: captureLog().log, leasePollMs: 500 });
  }

  async function setNodeMac(mac: string): Promise<void> {
    await net.ip(node, ['link', 'set', 'eth0', 'down']);
    await net.ip(node, ['addr', 'flush', 'dev', 'eth0']);
    await net.ip(node, ['link', 'set', 'eth0', 'address', mac, 'up']);
  }

  const ackFor = (mac: string) => (e: DhcpEvent): e is DhcpPacketEvent => e.type === 'dhcp' && e.message === 'ACK' && e.mac === mac;

  describe('reservations only (discovery off)', () => {
    before(async () => {
      supervisor = makeSupervisor(config.dhcp);
      await supervisor.start(new AbortController().signal);
    });

    after(async () => {
      await supervisor?.stop();
      supervisor = undefined;
    });

    it('gives a reserved node its address and name, no router, no DNS, and the BIOS boot file', async () => {
      await setNodeMac(NODE2.mac);
      const want = inventory.plan.byMac.get(NODE2.mac as Mac);
      const ack = nextEvent(supervisor!.events, ackFor(NODE2.mac), 10_000, 'DHCP ACK event');
      const lease = nextEvent(supervisor!.events, (e) => e.type === 'lease' && e.lease.mac === NODE2.mac, 10_000, 'lease event');
      const { lease: got, output } = await requestLease(net, node, 'eth0', dir, { arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' });
      expect(got, output).to.not.equal(undefined);
      expect(got).to.include({ ip: want, hostname: 'node-02', boot_file: 'undionly.kpxe', siaddr: inventory.plan.managementAddress });
      expect(got).to.not.have.any.keys('router', 'dns');
      expect(await ack).to.deep.include({ ip: want, clientArch: 0, known: true, bootFile: 'undionly.kpxe', hostname: 'node-02', vendorClass: 'PXEClient:Arch:00000:UNDI:002001' });
      expect(await lease).to.deep.include({ type: 'lease', change: 'added' });
      expect(await readFile(join(config.paths.stateDir, 'dhcp', 'dnsmasq.leases'), 'utf8')).to.contain(` ${NODE2.mac} ${want} node-02 `);
    });

    // Journey 8: the factory finds the lease dnsmasq wrote, through the same configuration (no agent runs here).
    it('is the lease `racker factory check --live` and the factory discovery list see', async () => {
      const want = inventory.plan.byMac.get(NODE2.mac as Mac);
      const noBmc: BmcProbe = { probe: () => Promise.resolve({ reachable: false, detail: 'not probed in this test' }) };
      const live = await liveCheck(inventory, config, noBmc);
      expect(live.dhcp.available).to.equal(true);
      expect(live.dhcp.nodes.find((n) => n.hostname === 'node-02')?.primarySeen).to.equal(want);
      const seen = await new AgentDiscoverySource(config.paths).snapshot();
      expect(seen.available, JSON.stringify(seen)).to.equal(true);
      if (seen.available) expect(seen.macs.map((m) => [m.mac, m.ip])).to.deep.include([NODE2.mac, want]);
    });

    it('gives x86-64 UEFI its EFI boot file', async () => {
      const { lease } = await requestLease(net, node, 'eth0', dir, { arch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003016' });
      expect(lease?.boot_file).to.equal('ipxe.efi');
      const arch9 = await requestLease(net, node, 'eth0', dir, { arch: 9 });
      expect(arch9.lease?.boot_file).to.equal('ipxe.efi');
    });

    it('chains iPXE to the boot service, even when it also sends its architecture', async () => {
      const { lease } = await requestLease(net, node, 'eth0', dir, { arch: 0, userClass: 'iPXE' });
      expect(lease?.boot_file).to.equal(`http://${inventory.plan.managementAddress}:8080/boot.ipxe`);
    });

    it('serves undionly.kpxe over TFTP, byte for byte', async () => {
      const ip = inventory.plan.byMac.get(NODE2.mac as Mac) as string;
      await net.ip(node, ['addr', 'replace', `${ip}/${inventory.plan.subnet.prefix}`, 'dev', 'eth0']);
      const sent = nextEvent(supervisor!.events, (e) => e.type === 'tftp', 10_000, 'TFTP event');
      const local = join(dir, 'undionly.kpxe');
      await net.exec(node, 'busybox', ['tftp', '-g', '-r', 'undionly.kpxe', '-l', local, inventory.plan.managementAddress], { timeoutMs: 20_000 });
      expect((await readFile(local)).equals(await readFile('/usr/lib/ipxe/undionly.kpxe'))).to.equal(true);
      expect(await sent).to.deep.equal({ type: 'tftp', outcome: 'sent', file: '/usr/lib/ipxe/undionly.kpxe', client: ip });
    });

    it('answers router solicitations, advertising the ULA prefix but no default route', async () => {
      const received = async (): Promise<number> => {
        const { stdout } = await net.exec(node, 'cat', ['/proc/net/snmp6']);
        return Number(/Icmp6InRouterAdvertisements\s+(\d+)/.exec(stdout)?.[1] ?? 'NaN');
      };
      const routes = async (): Promise<string> => (await net.ip(node, ['-6', 'route'])).stdout;
      const before = await received();
      await setNodeMac(NODE2.mac); // link up: the node solicits
      for (let i = 0; i < 100 && !(await routes()).includes('fd00:ac18:d5::/64'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await received()).to.be.greaterThan(before);
      expect(await routes()).to.contain('fd00:ac18:d5::/64 dev eth0');
      expect(await routes()).to.not.contain('default');
    });

    it('gives an unknown MAC nothing, and reports its DISCOVER', async () => {
      await setNodeMac(STRANGER);
      const discover = nextEvent(supervisor!.events, (e) => e.type === 'dhcp' && e.message === 'DISCOVER' && e.mac === STRANGER, 10_000, 'DISCOVER event');
      const { lease } = await requestLease(net, node, 'eth0', dir, { tries: 2, arch: 0 });
      expect(lease).to.equal(undefined);
      expect(await discover).to.deep.include({ known: false, status: 'no address available' });
    });

    it('picks up a new reservation with SIGHUP, without restarting dnsmasq', async () => {
      const pid = supervisor!.pid as number;
      const plan = dnsmasqPlan(inventory, config);
      const reservation = { mac: normalizeMac(STRANGER) as Mac, ip: '172.24.213.100', hostname: 'newcomer', role: 'node' as const, row: 9 };
      expect(await supervisor!.apply({ ...plan, reservations: [...plan.reservations, reservation] })).to.equal('reloaded');
      expect(supervisor!.pid).to.equal(pid);
      expect(await TestNetwork.alive(pid)).to.equal(true);
      const { lease, output } = await requestLease(net, node, 'eth0', dir, { arch: 0 });
      expect(lease, output).to.include({ ip: '172.24.213.100', hostname: 'newcomer', boot_file: 'undionly.kpxe' });
      expect(supervisor!.pid).to.equal(pid);
    });

    it('restarts dnsmasq after it is killed, and serves again', async () => {
      const pid = supervisor!.pid as number;
      const { events } = recordEvents(supervisor!.events);
      const restarted = nextEvent(supervisor!.events, (e) => e.type === 'started', 10_000, 'started event');
      process.kill(pid, 'SIGKILL');
      const started = await restarted;
      const lifecycle = events.filter((e) => e.type === 'exited' || e.type === 'restarting');
      expect(lifecycle).to.deep.equal([
        { type: 'exited', pid, code: null, signal: 'SIGKILL' },
        { type: 'restarting', attempt: 1, delayMs: (lifecycle[1] as { delayMs: number }).delayMs },
      ]);
      expect(started.type === 'started' && started.pid).to.be.a('number').and.not.equal(pid);
      expect(await TestNetwork.alive(pid)).to.equal(false);
      await setNodeMac(NODE2.mac);
      const { lease } = await requestLease(net, node, 'eth0', dir, { arch: 0 });
      expect(lease?.ip).to.equal(inventory.plan.byMac.get(NODE2.mac as Mac));
    });
  });

  describe('discovery pool on', () => {
    before(async () => {
      supervisor = makeSupervisor({ ...config.dhcp, discovery: true });
      await supervisor.start(new AbortController().signal);
    });

    after(async () => {
      await supervisor?.stop();
      supervisor = undefined;
    });

    it('leases an unknown MAC a pool address without a boot file, and reports it', async () => {
      await setNodeMac(STRANGER);
      const discovered = nextEvent(supervisor!.events, (e) => e.type === 'discovery', 10_000, 'discovery event');
      const { lease, output } = await requestLease(net, node, 'eth0', dir, { arch: 0 });
      const pool = inventory.plan.discoveryPool!;
      expect(lease, output).to.not.equal(undefined);
      const last = (ip: string): number => Number(ip.split('.')[3]);
      expect(last(lease!.ip!)).to.be.within(last(pool.first), last(pool.last));
      expect(lease).to.not.have.any.keys('boot_file');
      expect(await discovered).to.deep.include({ type: 'discovery', mac: STRANGER, ip: lease!.ip, clientArch: 0 });
    });

    it('still gives reserved nodes their own address', async () => {
      await setNodeMac(NODE2.bmc);
      const { lease } = await requestLease(net, node, 'eth0', dir);
      expect(lease).to.include({ ip: inventory.plan.byMac.get(NODE2.bmc as Mac), hostname: 'node-02-bmc' });
    });
  });

  describe('DNS on', () => {
    before(async () => {
      supervisor = makeSupervisor({ ...config.dhcp, dns: true }, { ...dnsmasqPlan(inventory, config), domain: 'rack.test' });
      await supervisor.start(new AbortController().signal);
      await setNodeMac(NODE2.mac);
      await net.ip(node, ['addr', 'replace', `${inventory.plan.byMac.get(NODE2.mac as Mac) ?? ''}/${inventory.plan.subnet.prefix}`, 'dev', 'eth0']);
    });

    after(async () => {
      await supervisor?.stop();
      supervisor = undefined;
    });

    it('answers for the rack\'s names, nodes and BMCs, and for nothing else', async () => {
      const server = inventory.plan.managementAddress;
      const nodeName = await net.exec(node, 'busybox', ['nslookup', 'node-02.rack.test', server], { timeoutMs: 20_000 });
      expect(nodeName.stdout).to.match(new RegExp(`Address: ${inventory.plan.byMac.get(NODE2.mac as Mac)?.replace(/\./g, '\\.') ?? '?'}\\b`));
      const bmcName = await net.exec(node, 'busybox', ['nslookup', 'node-02-bmc.rack.test', server], { timeoutMs: 20_000 });
      expect(bmcName.stdout).to.contain(`Address: ${inventory.plan.byMac.get(NODE2.bmc as Mac) ?? '?'}`);
      // Not forwarded anywhere (no-resolv, no servers): the answer is a refusal, and no packet leaves the namespace.
      const other = await net.exec(node, 'busybox', ['nslookup', 'example.com', server], { timeoutMs: 20_000, okExitCodes: [0, 1] });
      expect(other.exitCode).to.equal(1);
      expect(other.stdout).to.contain("can't find example.com: REFUSED");
    });
  });

  describe('a private state directory', () => it('refuses to serve from a state directory dnsmasq (user nobody) cannot read, and leaves nothing running', async () => {
    const privateState = join(dir, 'private-state');
    await mkdir(privateState, { mode: 0o700 });
    const runner = new BinaryDnsmasqRunner({ dnsmasqPath: 'dnsmasq', wrapper: net.wrapper(rack), exec, spawn: spawnChild });
    const s = new DnsmasqSupervisor({ dhcp: config.dhcp, stateDir: privateState, plan: dnsmasqPlan(inventory, config), runner, log: captureLog().log });
    const started = recordEvents(s.events);
    const err = await s.start(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    await s.stop();
    expect(errorMessage(err)).to.equal(`dnsmasq cannot read ${privateState}/dhcp/reservations: Permission denied, so it would serve no reservations`);
    expect(started.events.filter((e) => e.type === 'started')).to.deep.equal([]);
    expect((await exec('ip', ['netns', 'pids', rack])).stdout.trim()).to.equal('');
  }));
});
