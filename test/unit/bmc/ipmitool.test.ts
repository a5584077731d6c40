/** The ipmitool driver: argv by value, output parsing from captured text, errors, secrets. */
import { expect } from 'chai';
import { bootdevCommand, ipmitoolArgs, rawCommand, setPasswordScript } from '../../../agent/bmc/ipmitool/args.js';
import { classifyFailure, essentialStderr, parseBootParam, parseRawOutput, parseSensorList, parseUserList, rawCompletionCode } from '../../../agent/bmc/ipmitool/parse.js';
import { IpmitoolBmcClient } from '../../../agent/bmc/ipmitool/driver.js';
import { solArgs } from '../../../agent/bmc/ipmitool/console.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { CommandFailedError } from '../../../agent/lib/errors.js';
import type { Exec, ExecOptions } from '../../../agent/lib/exec.js';

const conn = { address: '10.1.0.7', port: 623, user: 'admin', cipherSuite: 3 as const, timeoutSec: 2, retries: 3 };

describe('ipmitool argv', () => {
  it('builds lanplus argv with -E and no password', () => {
    expect(ipmitoolArgs(conn, ['chassis', 'power', 'status'])).to.deep.equal(
      ['-v', '-I', 'lanplus', '-C', '3', '-H', '10.1.0.7', '-p', '623', '-U', 'admin', '-E', '-N', '2', '-R', '3', 'chassis', 'power', 'status']);
  });

  it('asks for persistent and EFI explicitly, and for neither when once + legacy', () => {
    expect(bootdevCommand({ device: 'pxe', persistent: true, efi: true })).to.deep.equal(['chassis', 'bootdev', 'pxe', 'options=persistent,efiboot']);
    expect(bootdevCommand({ device: 'disk', persistent: false, efi: false })).to.deep.equal(['chassis', 'bootdev', 'disk']);
    expect(bootdevCommand({ device: 'bios', persistent: false, efi: true })).to.deep.equal(['chassis', 'bootdev', 'bios', 'options=efiboot']);
  });

  it('builds raw and SOL argv', () => {
    expect(rawCommand(0, 8, Uint8Array.from([3, 0x1f]))).to.deep.equal(['raw', '0x00', '0x08', '0x03', '0x1f']);
    expect(solArgs(conn).activate.slice(-2)).to.deep.equal(['sol', 'activate']);
    expect(solArgs(conn).deactivate).not.to.include('-v');
  });

  it('puts a password change into an exec script, refusing what exec cannot carry', () => {
    expect(setPasswordScript(3, 'N3w-pass')).to.equal('user set password 3 N3w-pass\n');
    expect(() => setPasswordScript(3, 'has space')).to.throw(/white space/);
  });
});

describe('ipmitool output', () => {
  it('reads raw bytes and completion codes', () => {
    expect([...parseRawOutput(' 01 10 40\n 00\n')]).to.deep.equal([1, 0x10, 0x40, 0]);
    expect(rawCompletionCode('Unable to send RAW command (channel=0x0 netfn=0x6 lun=0x0 cmd=0xfe rsp=0xc1): Invalid command')).to.equal(0xc1);
  });

  it('reads boot parameter 5', () => {
    const out = 'Boot parameter version: 1\nBoot parameter 5 is valid/unlocked\nBoot parameter data: e004000000\n Boot Flags :\n';
    expect(parseBootParam(out)).to.deep.include({ valid: true, persistent: true, efi: true, device: 'pxe' });
  });

  it('reads sensor list and user list', () => {
    const sensors = 'CPU Temp         | 40.000     | degrees C  | ok    | na | na | na | 80.000 | 90.000 | 100.000\nPSU              | 0x0        | discrete   | 0x0100| na\nFan2             | na         | RPM        | na    | na\n';
    expect(parseSensorList(sensors)).to.deep.equal([
      { name: 'CPU Temp', type: 'analog', value: 40, unit: '°C', status: 'ok' },
      { name: 'PSU', type: 'discrete', value: undefined, unit: 'discrete', status: 'discrete' },
      { name: 'Fan2', type: 'analog', value: undefined, unit: 'RPM', status: 'unavailable' },
    ]);
    const users = 'ID  Name\t     Callin  Link Auth\tIPMI Msg   Channel Priv Limit\n1                    true    false      false      Unknown (0x00)\n2   admin            true    false      true       ADMINISTRATOR\n';
    expect(parseUserList(users)).to.deep.equal([
      { id: 1, name: '', enabled: false, privilege: 'reserved' },
      { id: 2, name: 'admin', enabled: true, privilege: 'administrator' },
    ]);
  });

  it('classifies failures from -v stderr, ignoring the VSO probe chatter', () => {
    const chatter = 'Loading IANA PEN Registry...\nRunning Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\nInvalid completion code received: Invalid command\n';
    expect(classifyFailure('> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n')).to.equal('auth');
    expect(classifyFailure('RAKP 2 message indicates an error : unauthorized name\n')).to.equal('auth');
    expect(classifyFailure('Get Auth Capabilities error\nError: Unable to establish IPMI v2 / RMCP+ session\n')).to.equal('timeout');
    expect(classifyFailure('Error in open session response message : invalid authentication algorithm\n')).to.equal('cipher');
    expect(classifyFailure(`${chatter}Set Chassis Power Control to Cycle failed: Command not supported in present state\n`)).to.equal('unsupported');
    expect(classifyFailure(`${chatter}Error: something else\n`)).to.equal('other');
    expect(essentialStderr(`${chatter}Error: something else\n`)).to.equal('Error: something else');
  });
});

/** An exec that answers like ipmitool against a BMC which ignores boot devices. */
function fakeIpmitool(log: Array<{ args: readonly string[]; options?: ExecOptions }>, answers: Record<string, string | Error>): Exec {
  return async (_file, args, options) => {
    log.push({ args, options });
    const key = args.slice(args.indexOf('-R') + 2).join(' ');
    const a = answers[key] ?? '';
    if (a instanceof Error) throw a;
    return { stdout: a, stderr: '', exitCode: 0 };
  };
}

describe('ipmitool driver', () => {
  const target = { node: 'node-4', address: '10.1.0.7', port: 623, user: 'admin', password: 'Secret-Pa55' };
  const options = { program: 'ipmitool', cipherSuite: 3 as const, timeoutMs: 4000, retries: 1 };

  it('passes the password in IPMI_PASSWORD, never in argv', async () => {
    const calls: Array<{ args: readonly string[]; options?: ExecOptions }> = [];
    const c = new IpmitoolBmcClient(target, options, { exec: fakeIpmitool(calls, { 'raw 0x00 0x01': ' 01 00 40\n' }), fanout: new Semaphore(1), log: silentLogger() });
    expect(await c.powerState()).to.equal('on');
    expect(calls[0]?.options?.env).to.deep.equal({ IPMI_PASSWORD: 'Secret-Pa55' });
    expect(calls.flatMap((x) => x.args).join(' ')).not.to.include('Secret-Pa55');
  });

  it('reads the boot flags back because ipmitool exits 0 when a BMC ignores bootdev', async () => {
    const calls: Array<{ args: readonly string[] }> = [];
    const c = new IpmitoolBmcClient(target, options, { exec: fakeIpmitool(calls, {
      'chassis bootdev pxe options=persistent,efiboot': 'Set Boot Device to pxe\n',
      'chassis bootparam get 5': 'Boot parameter data: e008000000\n',
    }), fanout: new Semaphore(1), log: silentLogger() });
    let err: Error | undefined;
    try {
      await c.setBootDevice({ device: 'pxe', persistent: true, efi: true });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.equal('node node-4: BMC 10.1.0.7: read back boot flags: asked for boot device pxe, the BMC reports disk (e008000000)');
    expect(calls.map((x) => x.args.slice(x.args.indexOf('-R') + 2).join(' '))).to.deep.equal(['raw 0x00 0x08 0x03 0x1f', 'chassis bootdev pxe options=persistent,efiboot', 'chassis bootparam get 5']);
  });

  it('turns a wrong password into RACKER_E_BMC_AUTH', async () => {
    const failed = new CommandFailedError('ipmitool …', 1, '> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n');
    const c = new IpmitoolBmcClient(target, options, { exec: fakeIpmitool([], { 'raw 0x00 0x01': failed }), fanout: new Semaphore(1), log: silentLogger() });
    const e = await c.powerState().then(() => undefined, (x: unknown) => x as { code: string; message: string });
    expect(e?.code).to.equal('RACKER_E_BMC_AUTH');
    expect(e?.message).not.to.include('Secret-Pa55');
  });
});
