/**
 * The native lanplus client against a real OpenIPMI ipmi_sim on loopback, checked against ipmitool
 * on the same simulator and against what the simulator recorded (chassis_control state and its
 * log of decoded requests).
 */
import { expect } from 'chai';
import { IpmiBmcClient, type IpmiClientOptions } from '../../../agent/bmc/ipmi/lanplus-client.js';
import { UdpTransport } from '../../../agent/bmc/ipmi/transport.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { isRackerError } from '../../../agent/lib/errors.js';
import type { BmcTarget } from '../../../agent/bmc/bmc-client.js';
import { IpmiSim, SIM_PASSWORD, SIM_USER, freeUdpPort, stopAllSims } from '../../lib/ipmi-sim.js';
import { ipmitool, parseSdrList } from '../../lib/ipmitool-oracle.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const OPTIONS = { cipherSuites: [17, 3] as Array<3 | 17>, timeoutMs: 1500, retries: 3, retransmitMs: 200, minCommandIntervalMs: 5, keepAliveMs: 0 };

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

describe('native IPMI client against ipmi_sim', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let sim: IpmiSim;
  let transport: UdpTransport;
  let target: BmcTarget;
  const clients: IpmiBmcClient[] = [];
  const client = (t: Partial<BmcTarget> = {}, o: Partial<IpmiClientOptions> = {}): IpmiBmcClient => {
    const c = new IpmiBmcClient({ ...target, ...t }, { ...OPTIONS, ...o }, { transport, fanout: new Semaphore(8), log: silentLogger() });
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = await makeTempDir('racker-bmc-');
    const port = await freeUdpPort();
    sim = await IpmiSim.start({ dir, lans: [{ address: '127.0.0.1', port }], users: [
      { id: 2, name: SIM_USER, password: SIM_PASSWORD, privilege: 'admin' },
      { id: 3, name: 'rotate', password: 'Old-Pa55word', privilege: 'admin' },
    ] });
    target = { node: 'node-2', address: '127.0.0.1', port, user: SIM_USER, password: SIM_PASSWORD };
    transport = new UdpTransport(silentLogger());
  });

  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await transport.close();
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('answers the presence ping and falls back from cipher suite 17 to 3', async () => {
    const c = client();
    expect(await c.ping()).to.equal(true);
    expect(await c.powerState()).to.equal('off');
    expect(c.cipherSuite).to.equal(3);
    expect(await ipmitool(target, 'chassis', 'power', 'status')).to.include('Chassis Power is off');
  });

  it('powers on, off, cycles (on when off) and the simulator records it', async () => {
    const c = client();
    await c.powerOn();
    expect((await sim.chassis()).power).to.equal(1);
    expect(await ipmitool(target, 'chassis', 'power', 'status')).to.include('Chassis Power is on');
    await c.powerOff();
    expect((await sim.chassis()).power).to.equal(0);
    expect(await c.powerState()).to.equal('off');

    const before = (await sim.chassis()).events.length;
    await c.powerCycle(); // off → a plain power on
    expect((await sim.chassis()).events.slice(before)).to.deep.equal(['set power 1']);
    await c.powerCycle(); // on → off, and ipmi_sim powers on again a second later
    await until('power back on after the cycle', async () => (await sim.chassis()).power === 1);
    expect((await sim.chassis()).events.slice(before + 1)).to.deep.equal(['set power 0', 'set power 1']);
    expect(await ipmitool(target, 'chassis', 'power', 'status')).to.include('Chassis Power is on');
  });

  it('sets boot device PXE, persistent, EFI: the BMC receives exactly that, and both tools read PXE back', async () => {
    const c = client();
    const result = await c.setBootDevice({ device: 'pxe', persistent: true, efi: true });
    const boot = sim.requests().filter((r) => r.netFn === 0x00 && r.command === 0x08).map((r) => r.data);
    // Parameter 3 (no 60 s timeout) first, then parameter 5: valid + persistent + EFI (0xe0), PXE (0x04).
    expect(boot.slice(-2)).to.deep.equal([[0x03, 0x1f], [0x05, 0xe0, 0x04, 0x00, 0x00, 0x00]]);
    expect((await sim.chassis()).boot).to.equal('pxe');
    expect(result.readBack.device).to.equal('pxe');
    // ipmi_sim keeps only the device and reports the flags cleared: the client says so instead of hiding it.
    expect(result.mismatches).to.deep.equal(['valid', 'persistent', 'efi']);
    expect(await ipmitool(target, 'chassis', 'bootparam', 'get', '5')).to.include('Force PXE');
  });

  it('reads back a boot device that ipmitool set', async () => {
    await ipmitool(target, 'chassis', 'bootdev', 'disk');
    expect((await client().bootFlags()).device).to.equal('disk');
  });

  it('reads the same sensors and values as ipmitool', async () => {
    const ours = await client().sensors();
    const theirs = parseSdrList(await ipmitool(target, 'sdr', 'list'));
    expect(ours.map((s) => s.name)).to.deep.equal([...theirs.keys()]);
    for (const s of ours) {
      expect(Number.parseFloat(theirs.get(s.name) as string), s.name).to.equal(s.value);
      expect(s.status).to.equal('ok');
    }
  });

  it('lists the same named users as ipmitool and changes a password that ipmitool then uses', async () => {
    const c = client();
    const users = (await c.users()).filter((u) => u.name !== '');
    expect(users.map((u) => [u.id, u.name, u.privilege])).to.deep.equal([[2, 'admin', 'administrator'], [3, 'rotate', 'administrator']]);
    const listed = await ipmitool(target, 'user', 'list', '1');
    for (const u of users) expect(listed).to.match(new RegExp(`^${u.id}\\s+${u.name}\\s`, 'm'));

    await c.setUserPassword(3, 'New-Pa55word-2');
    const as3 = { ...target, user: 'rotate', password: 'New-Pa55word-2' };
    expect(await ipmitool(as3, 'chassis', 'power', 'status')).to.match(/Chassis Power is/);
    expect(await client({ user: 'rotate', password: 'New-Pa55word-2' }).powerState()).to.be.oneOf(['on', 'off']);
    const old = await failure(client({ user: 'rotate', password: 'Old-Pa55word' }).powerState());
    expect(old.code).to.equal('RACKER_E_BMC_AUTH');
  });

  it('reuses one session across operations and closes it on the BMC', async () => {
    const c = client();
    const sessions = (): number => sim.sessionsStarted();
    const closes = (): number => sim.requests().filter((r) => r.netFn === 0x06 && r.command === 0x3c).length;
    const [p0, c0] = [sessions(), closes()];
    await c.powerState();
    await c.bootFlags();
    await c.chassisStatus();
    expect(sessions() - p0).to.equal(1);
    await c.close();
    await until('Close Session logged', async () => closes() - c0 === 1, 2000);
  });

  it('keeps an idle session alive with Get Device ID and keeps using it', async () => {
    const c = client({}, { keepAliveMs: 150 });
    const deviceIds = (): number => sim.requests().filter((r) => r.netFn === 0x06 && r.command === 0x01).length;
    await c.powerState();
    const [s0, d0] = [sim.sessionsStarted(), deviceIds()];
    await until('two keep-alives', async () => deviceIds() - d0 >= 2, 3000);
    await c.powerState();
    expect(sim.sessionsStarted()).to.equal(s0);
  });

  it('closes an idle session on the BMC after idleCloseMs, and opens a new one for the next operation', async () => {
    const c = client({}, { idleCloseMs: 200 });
    const closes = (): number => sim.requests().filter((r) => r.netFn === 0x06 && r.command === 0x3c).length;
    await c.powerState();
    const [s0, c0] = [sim.sessionsStarted(), closes()];
    await until('Close Session of the idle session logged', async () => closes() - c0 === 1, 3000);
    expect(await c.powerState()).to.be.oneOf(['on', 'off']);
    expect(sim.sessionsStarted()).to.equal(s0 + 1);
  });

  it('sends raw commands and returns the completion code', async () => {
    const r = await client().raw(0x06, 0x01, new Uint8Array());
    expect(r.completionCode).to.equal(0);
    expect(r.data[0]).to.equal(0x00); // device ID from the emulator file
    const bad = await client().raw(0x06, 0xfe, new Uint8Array());
    expect(bad.completionCode).to.not.equal(0);
  });

  it('refuses a wrong password with RACKER_E_BMC_AUTH, at once and without printing it', async () => {
    const started = Date.now();
    const e = await failure(client({ password: 'Wrong-Pa55word-xyz' }).powerState());
    expect(e.code).to.equal('RACKER_E_BMC_AUTH');
    expect(e.message).to.include('node-2').and.include('127.0.0.1');
    expect(`${e.message} ${e.hint}`).not.to.include('Wrong-Pa55word-xyz').and.not.to.include(SIM_PASSWORD);
    expect(Date.now() - started).to.be.below(OPTIONS.timeoutMs); // not retried: retries lock accounts
  });

  it('times out on a port nobody answers with RACKER_E_BMC_TIMEOUT within the configured time', async () => {
    const port = await freeUdpPort();
    const started = Date.now();
    const e = await failure(client({ port }).powerState());
    expect(isRackerError(e) && e.code).to.equal('RACKER_E_BMC_TIMEOUT');
    expect(e.message).to.include(`node-2: BMC 127.0.0.1:${port}`).and.include('get channel authentication capabilities');
    expect(Date.now() - started).to.be.below(OPTIONS.timeoutMs + 1000);
  });
});

describe('native IPMI client when the BMC dies mid-session', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  const transport = new UdpTransport(silentLogger());
  after(async () => {
    await transport.close();
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('reports RACKER_E_BMC_TIMEOUT within twice the timeout (the reused session, then a fresh one)', async () => {
    dir = await makeTempDir('racker-bmc-');
    const port = await freeUdpPort();
    const sim = await IpmiSim.start({ dir, lans: [{ address: '127.0.0.1', port }] });
    const c = new IpmiBmcClient({ node: 'node-5', address: '127.0.0.1', port, user: SIM_USER, password: SIM_PASSWORD }, OPTIONS,
      { transport, fanout: new Semaphore(1), log: silentLogger() });
    expect(await c.powerState()).to.equal('off');
    await sim.kill();
    const started = Date.now();
    const e = await failure(c.powerOn());
    expect(e.code).to.equal('RACKER_E_BMC_TIMEOUT');
    expect(e.message).to.include(`node-5: BMC 127.0.0.1:${port}`);
    expect(Date.now() - started).to.be.below(2 * OPTIONS.timeoutMs + 1000);
    await c.close(); // must not hang on a dead BMC
  });
});
