/**
 * End to end on a simulated rack (SLOW: QEMU under TCG, about 4 minutes on 2 cores): racker-sim
 * builds two servers with OpenIPMI BMCs and the stand-in OS; the real agent runs in the
 * management node's namespace with real dnsmasq, TFTP, iPXE and the boot service, and drives the
 * BMCs over IPMI lanplus. Three runs: a bootstrap to ready; a fault run with one BMC down, where
 * that node fails in the BMC check with a hint and the other is provisioned; and an agent
 * restart in the middle of a bootstrap, which the restarted agent resumes to ready.
 */
import { expect } from 'chai';
import { runRacker } from '../../lib/run-racker.js';
import { simSkipReason } from '../../lib/run-sim.js';
import { SimRack, type RackEvent } from '../../lib/sim-rack.js';

const PROGRAMS = ['qemu-system-x86_64', 'ipmi_sim', 'dnsmasq', 'ignition-validate', 'sq'];

/** The steps of a PXE install seen on the wire for one node, in order (DHCP from dnsmasq's log may trail HTTP, so it is only required). */
function expectInstallOnTheWire(events: readonly RackEvent[], mac: string, hostname: string): void {
  const wire = events.filter((e) => e.node === mac).map((e) => e.type === 'node.phone-home' ? e.message.replace(/^.* reports (\w+).*$/, 'report $1') : e.type)
    .filter((t) => ['dhcp.ack', 'boot.boot.ipxe', 'boot.ipxe', 'boot.ignition', 'report installed', 'report ready'].includes(t));
  expect(wire, `${hostname} on the wire`).to.include('dhcp.ack');
  const order = ['boot.boot.ipxe', 'boot.ipxe', 'boot.ignition', 'report installed', 'boot.ignition', 'report ready'];
  let at = 0;
  for (const t of wire) if (t === order[at]) at++;
  expect(at, `${hostname} on the wire: ${wire.join(' → ')}`).to.equal(order.length);
}

describe('end to end: bootstrap a simulated rack (SLOW)', function () {
  this.timeout(600_000);
  const rack = new SimRack(`e2e${process.pid % 10000}`);

  before(async function () {
    if (await simSkipReason(PROGRAMS) !== undefined) this.skip();
    await rack.create(['--nodes', '2']);
    await rack.startAgent();
  });
  after(() => rack.destroy());

  it('bootstraps every node to ready through real BMCs, DHCP, TFTP, iPXE and HTTP', async () => {
    const j = await rack.finished(await rack.submit('--on-failure', 'exclude'));
    expect(j.state, j.message).to.equal('succeeded');
    const ns = await rack.nodes();
    expect(ns.map((n) => n.phase.name)).to.deep.equal(['provisioned', 'provisioned']);
    const events = await rack.events();
    for (const n of ns) {
      // The agent acted through the BMC, then saw every step of a PXE install on the wire.
      const seen = n.phase.history.map((h) => h.name);
      for (const p of ['bmc-check', 'boot-override', 'power-cycle', 'boot-disk', 'provisioned']) expect(seen, `${n.hostname} phases`).to.include(p);
      expectInstallOnTheWire(events, n.mac, n.hostname);
      expect(n.power.state).to.equal('on');
    }
    expect((await runRacker(['status', '--config', rack.config, '--json'])).code).to.equal(0);
  });

  it('fails only the node whose BMC is down, in the BMC check, with a hint; the other node is provisioned', async () => {
    await rack.fault('node-03', 'bmc-down');
    try {
      const j = await rack.finished(await rack.submit('--reprovision', '--on-failure', 'exclude', '--retries', '0'));
      expect(j.state).to.equal('failed');
      const [ok, down] = await rack.nodes();
      expect(ok?.phase.name).to.equal('provisioned');
      expect(down?.phase.name).to.equal('excluded');
      expect(down?.lastError?.step).to.equal('bmc-check');
      expect(down?.lastError?.message).to.match(/172\.24\.213\.5|BMC|answer/);
      expect(down?.lastError?.hint).to.be.a('string').and.match(/BMC|cable|power|address/i);
      expect(j.message).to.contain('node-03');
    } finally {
      await rack.fault('node-03', 'clear');
    }
  });

  it('resumes a bootstrap after the agent restarts in the middle of it', async () => {
    const id = await rack.submit('--reprovision', '--on-failure', 'retry');
    // Stop the agent once a node is installing (past its power cycle), then start it again.
    await rack.waitFor('a node to be installing', async () => ((await rack.nodes()).some((n) => ['installing', 'boot-disk', 'reboot'].includes(n.phase.name)) ? true : undefined), 300_000);
    expect(await rack.agent?.kill('SIGTERM')).to.equal(0);
    await rack.startAgent();
    const j = await rack.finished(id);
    expect(j.state, j.message).to.equal('succeeded');
    expect((await rack.nodes()).map((n) => n.phase.name)).to.deep.equal(['provisioned', 'provisioned']);
    expect(rack.agent?.logs.some((l) => l.msg === 'resuming a job the agent was running when it stopped')).to.equal(true);
  });
});

describe('end to end: a UEFI node (OVMF PXE, ipxe.efi over TFTP) (SLOW)', function () {
  this.timeout(600_000);
  const rack = new SimRack(`uefi${process.pid % 10000}`);

  before(async function () {
    if (await simSkipReason(PROGRAMS) !== undefined) this.skip();
    await rack.create(['--nodes', '1', '--uefi']);
    await rack.startAgent();
  });
  after(() => rack.destroy());

  it('bootstraps it to ready, the firmware having fetched ipxe.efi over TFTP', async () => {
    const j = await rack.finished(await rack.submit('--on-failure', 'exclude'));
    expect(j.state, j.message).to.equal('succeeded');
    const [n] = await rack.nodes();
    const events = await rack.events();
    const tftp = events.filter((e) => e.type.startsWith('tftp.')).map((e) => e.message);
    expect(tftp.some((m) => /^TFTP: sent \S*ipxe\.efi to 172\.24\.213\.2$/.test(m)), `TFTP: ${tftp.join('; ')}`).to.equal(true);
    expectInstallOnTheWire(events, n?.mac as string, 'node-02');
  });
});
