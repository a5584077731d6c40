/**
 * The ipmitool driver against ipmi_sim, and the secrets rule for both IPMI drivers: the password
 * never shows in any process's argv or in the logs while they work.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { IpmitoolBmcClient } from '../../../agent/bmc/ipmitool/driver.js';
import { IpmiBmcClient } from '../../../agent/bmc/ipmi/lanplus-client.js';
import { UdpTransport } from '../../../agent/bmc/ipmi/transport.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { exec } from '../../../agent/lib/exec.js';
import { createLogger, silentLogger } from '../../../agent/lib/log.js';
import type { BmcTarget } from '../../../agent/bmc/bmc-client.js';
import { IpmiSim, SIM_USER, freeUdpPort, stopAllSims } from '../../lib/ipmi-sim.js';
import { ipmitool } from '../../lib/ipmitool-oracle.js';
import { watchArgv } from '../../lib/argv-watch.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

// ipmi_sim keeps at most 16 password bytes.
const PASSWORD = 'ArgvWatch-7d1e9';

describe('ipmitool driver against ipmi_sim', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let sim: IpmiSim;
  let target: BmcTarget;
  const client = (t: Partial<BmcTarget> = {}): IpmitoolBmcClient => new IpmitoolBmcClient({ ...target, ...t },
    { program: 'ipmitool', cipherSuite: 3, timeoutMs: 2000, retries: 1 }, { exec, fanout: new Semaphore(4), log: silentLogger() });

  before(async () => {
    dir = await makeTempDir('racker-ipmitool-');
    const port = await freeUdpPort();
    sim = await IpmiSim.start({ dir, lans: [{ address: '127.0.0.1', port }], users: [
      { id: 2, name: SIM_USER, password: PASSWORD, privilege: 'admin' },
      { id: 3, name: 'rotate', password: 'Old-Pa55word', privilege: 'admin' },
    ] });
    target = { node: 'node-7', address: '127.0.0.1', port, user: SIM_USER, password: PASSWORD };
  });

  after(async () => {
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('controls power and the boot device, read back with the native client', async () => {
    const c = client();
    await c.powerCycle(); // off → on
    expect((await sim.chassis()).power).to.equal(1);
    expect(await c.powerState()).to.equal('on');
    const r = await c.setBootDevice({ device: 'pxe', persistent: true, efi: true });
    expect(r.readBack.device).to.equal('pxe');
    // ipmitool sends parameter 4 (boot info acknowledge) in between; 3 must precede 5.
    const boot = sim.requests().filter((q) => q.netFn === 0 && q.command === 8 && (q.data[0] === 3 || q.data[0] === 5)).map((q) => q.data);
    expect(boot.slice(-2)).to.deep.equal([[0x03, 0x1f], [0x05, 0xe0, 0x04, 0x00, 0x00, 0x00]]);
    const transport = new UdpTransport(silentLogger());
    const native = new IpmiBmcClient(target, { cipherSuites: [3], timeoutMs: 2000, retries: 2, retransmitMs: 300, minCommandIntervalMs: 0, keepAliveMs: 0 },
      { transport, fanout: new Semaphore(1), log: silentLogger() });
    expect((await native.bootFlags()).device).to.equal('pxe');
    await native.close();
    await transport.close();
    await c.powerOff();
    expect((await sim.chassis()).power).to.equal(0);
  });

  it('reads sensors and users, and changes a password without argv', async () => {
    const c = client();
    expect((await c.sensors()).map((s) => [s.name, s.value])).to.deep.equal([['CPU Temp', 40], ['12V', 12], ['Fan1', 5400]]);
    expect((await c.users()).filter((u) => u.name !== '').map((u) => u.name)).to.deep.equal(['admin', 'rotate']);
    await c.setUserPassword(3, 'Rotated-Pa55');
    expect(await ipmitool({ ...target, user: 'rotate', password: 'Rotated-Pa55' }, 'chassis', 'power', 'status')).to.include('Chassis Power');
  });

  it('reports a wrong password as RACKER_E_BMC_AUTH and a silent port as RACKER_E_BMC_TIMEOUT', async () => {
    const auth = await client({ password: 'nope-nope' }).powerState().then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(auth?.code).to.equal('RACKER_E_BMC_AUTH');
    const port = await freeUdpPort();
    const silent = await client({ port }).powerState().then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(silent?.code).to.equal('RACKER_E_BMC_TIMEOUT');
    expect(silent?.message).to.include(`127.0.0.1:${port}`);
  });

  it('never shows the password in any process\'s argv or in the logs', async () => {
    // The watch must be able to see a needle: a process that carries a marker in its argv.
    const marker = `marker-${process.pid}-argv`;
    const control = watchArgv(marker);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)', marker]);
    for (let i = 0; i < 100 && control.hits() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    sleeper.kill();
    expect(await control.stop()).to.have.length.greaterThan(0);

    const lines: string[] = [];
    const log = createLogger({ mode: 'daemon', level: 'trace', stream: new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }) });
    const watch = watchArgv(PASSWORD);
    const transport = new UdpTransport(log);
    const native = new IpmiBmcClient(target, { cipherSuites: [17, 3], timeoutMs: 2000, retries: 2, retransmitMs: 300, minCommandIntervalMs: 0, keepAliveMs: 0 },
      { transport, fanout: new Semaphore(1), log });
    const viaTool = new IpmitoolBmcClient(target, { program: 'ipmitool', cipherSuite: 3, timeoutMs: 2000, retries: 1 }, { exec, fanout: new Semaphore(1), log });
    for (const c of [native, viaTool]) {
      await c.powerState();
      await c.setBootDevice({ device: 'disk', persistent: false, efi: true });
      await c.sensors();
      await c.setUserPassword(3, 'Another-Pa55');
      await c.powerState().catch(() => undefined);
    }
    await new IpmiBmcClient({ ...target, password: `${PASSWORD}x` }, { cipherSuites: [3], timeoutMs: 1000, retries: 0, retransmitMs: 300, minCommandIntervalMs: 0, keepAliveMs: 0 },
      { transport, fanout: new Semaphore(1), log }).powerState().catch(() => undefined);
    await native.close();
    await transport.close();
    const hits = await watch.stop();
    expect(watch.seen()).to.be.greaterThan(5);
    expect(hits).to.deep.equal([]);
    expect(lines.length).to.be.greaterThan(0);
    expect(lines.join('')).not.to.include(PASSWORD).and.not.to.include('Another-Pa55');
  });
});
