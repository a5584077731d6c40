/**
 * BmcClient by running ipmitool (lanplus) through the exec wrapper, for BMCs the native driver
 * does not suit, configured per node. The password travels in IPMI_PASSWORD (`-E`), or for a
 * password change in a private file read by `ipmitool exec`, never in argv. ipmitool exits 0
 * even when a BMC rejects a boot device, so the flags are always read back.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec, ExecResult } from '../../lib/exec.js';
import type { Logger } from '../../lib/log.js';
import { isRackerError, errorMessage } from '../../lib/errors.js';
import type { BmcClient, BmcTarget, BmcUser, BootFlags, BootOverride, BootSetResult, ChassisStatus, PowerState, RawResponse, SensorReading } from '../bmc-client.js';
import { bmcAuthError, bmcFailure, bmcTimeoutError, bmcUnsupportedError, type BmcWhere, whereOf } from '../errors.js';
import { compareBootFlags } from '../boot-flags.js';
import { decodeChassisStatus } from '../ipmi/commands.js';
import type { Semaphore } from '../scheduler.js';
import { bootdevCommand, Commands, identifyCommand, ipmitoolArgs, passwordEnv, rawCommand, setPasswordScript, type IpmitoolConnection } from './args.js';
import { classifyFailure, essentialStderr, parseBootParam, parseRawOutput, parseSensorList, parseUserList, rawCompletionCode } from './parse.js';

export interface IpmitoolOptions {
  program: string;
  cipherSuite: 3 | 17;
  timeoutMs: number;
  retries: number;
}

export interface IpmitoolDeps {
  exec: Exec;
  fanout: Semaphore;
  log: Logger;
}

export class IpmitoolBmcClient implements BmcClient {
  readonly driver = 'ipmitool';

  constructor(private readonly target: BmcTarget, private readonly options: IpmitoolOptions, private readonly deps: IpmitoolDeps) {}

  private get where(): BmcWhere {
    return whereOf(this.target, 'ipmitool');
  }

  /** How ipmitool reaches this BMC (also used for the serial console). */
  get connection(): IpmitoolConnection {
    const tries = this.options.retries + 1;
    return { address: this.target.address, port: this.target.port, user: this.target.user, cipherSuite: this.options.cipherSuite,
      timeoutSec: Math.max(1, Math.ceil(this.options.timeoutMs / 1000 / tries)), retries: tries };
  }

  async ping(): Promise<boolean> {
    try {
      await this.run(Commands.chassisStatus, 'ping');
      return true;
    } catch (e) {
      // A BMC that refuses our password still answered.
      if (isRackerError(e) && e.code === 'RACKER_E_BMC_AUTH') return true;
      if (isRackerError(e) && e.code === 'RACKER_E_BMC_TIMEOUT') return false;
      throw e;
    }
  }

  async powerState(signal?: AbortSignal): Promise<PowerState> {
    signal?.throwIfAborted();
    return (await this.chassisStatus()).power;
  }

  async chassisStatus(): Promise<ChassisStatus> {
    const s = decodeChassisStatus(parseRawOutput((await this.run(Commands.chassisStatus, 'get chassis status')).stdout));
    if (s === undefined) throw bmcFailure(this.where, 'get chassis status', 'ipmitool printed no status');
    return s;
  }

  async powerOn(): Promise<void> {
    await this.run(Commands.powerOn, 'power on');
  }

  async powerOff(): Promise<void> {
    await this.run(Commands.powerOff, 'power off');
  }

  async softOff(): Promise<void> {
    await this.run(Commands.softOff, 'soft power off');
  }

  async powerCycle(): Promise<void> {
    const on = (await this.chassisStatus()).power === 'on';
    await this.run(on ? Commands.powerCycle : Commands.powerOn, on ? 'power cycle' : 'power on (was off)');
  }

  async reset(): Promise<void> {
    await this.run(Commands.reset, 'reset');
  }

  async identify(seconds: number): Promise<void> {
    await this.run(identifyCommand(seconds), 'identify');
  }

  async setBootDevice(override: BootOverride): Promise<BootSetResult> {
    try {
      await this.run(Commands.disableBootFlagTimeout, 'disable the boot flag timeout (boot option 3)');
    } catch (e) {
      if (!(isRackerError(e) && e.code === 'RACKER_E_BMC_UNSUPPORTED')) throw e;
      this.deps.log.warn({ node: this.target.node }, 'BMC has no boot flag timeout setting (boot option 3); the override may expire after 60 s');
    }
    await this.run(bootdevCommand(override), `set boot device ${override.device}`);
    return compareBootFlags(this.where, override, await this.bootFlags());
  }

  async bootFlags(): Promise<BootFlags> {
    const flags = parseBootParam((await this.run(Commands.getBootFlags, 'read back boot flags (boot option 5)')).stdout);
    if (flags === undefined) throw bmcFailure(this.where, 'read back boot flags (boot option 5)', 'ipmitool printed no boot parameter data');
    return flags;
  }

  async sensors(): Promise<SensorReading[]> {
    // Without -v: verbose mode turns the table into paragraphs.
    return parseSensorList((await this.run(Commands.sensors, 'read sensors', false)).stdout);
  }

  async users(): Promise<BmcUser[]> {
    return parseUserList((await this.run(Commands.users, 'list users')).stdout);
  }

  async setUserPassword(id: number, password: string): Promise<void> {
    let script: string;
    try {
      script = setPasswordScript(id, password);
    } catch (e) {
      throw bmcUnsupportedError(this.where, `set password of user ${id}`, errorMessage(e), 'use the native ipmi driver for this change');
    }
    // A private directory: the file is readable by root only and removed at once.
    const dir = await mkdtemp(join(tmpdir(), 'racker-ipmitool-'));
    try {
      const file = join(dir, 'commands');
      await writeFile(file, script, { mode: 0o600 });
      await this.run(['exec', file], `set password of user ${id}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async raw(netFn: number, command: number, data: Uint8Array): Promise<RawResponse> {
    try {
      const r = await this.run(rawCommand(netFn, command, data), 'raw');
      return { completionCode: 0, data: parseRawOutput(r.stdout) };
    } catch (e) {
      const cc = rawCompletionCode((e as { stderr?: string }).stderr ?? errorMessage(e));
      if (cc !== undefined) return { completionCode: cc, data: new Uint8Array() };
      throw e;
    }
  }

  async close(): Promise<void> {
    // Every ipmitool call opens and closes its own session.
  }

  private async run(command: readonly string[], step: string, verbose = true): Promise<ExecResult> {
    const args = ipmitoolArgs(this.connection, command, verbose);
    const budget = this.options.timeoutMs * 4 + 5_000; // session setup is four exchanges, then the command
    const result = await this.deps.fanout.run(async () => {
      try {
        return await this.deps.exec(this.options.program, args, { env: passwordEnv(this.target.password), timeoutMs: budget });
      } catch (e) {
        return this.translate(e, step, budget);
      }
    });
    if (!(result instanceof Error)) return result;
    if (!verbose) {
      // Without -v ipmitool prints the same line for a wrong password and for silence: ask again verbosely.
      await this.run(['raw', '0x06', '0x01'], step, true);
    }
    throw result;
  }

  private translate(e: unknown, step: string, budget: number): Error {
    if (!isRackerError(e)) return e as Error;
    if (e.code === 'RACKER_E_COMMAND_TIMEOUT') return bmcTimeoutError(this.where, step, budget);
    const stderr = (e as { stderr?: string }).stderr ?? '';
    const observed = `ipmitool: ${essentialStderr(stderr) || e.message}`;
    switch (classifyFailure(stderr)) {
      case 'auth': return bmcAuthError(this.where, step, observed);
      case 'timeout': return bmcTimeoutError(this.where, step, this.options.timeoutMs);
      case 'cipher': return bmcUnsupportedError(this.where, step, `${observed} (cipher suite ${this.options.cipherSuite})`, 'set bmc.nodes.<BMC MAC>.cipherSuite to one the BMC offers');
      case 'unsupported': return bmcUnsupportedError(this.where, step, observed);
      default: return bmcFailure(this.where, step, observed, e.hint);
    }
  }
}
