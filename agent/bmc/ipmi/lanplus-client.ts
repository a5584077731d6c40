/**
 * BmcClient over racker's own IPMI v2.0 lanplus implementation: no process per call, the password
 * only in memory, one session reused across operations (kept alive while idle, closed by close()).
 *
 * INVARIANTS: every operation holds one fan-out slot and runs alone on this BMC (SerialQueue);
 * commands inside it are paced by the minimum command interval. When the first command of a
 * reused session gets no answer (the BMC dropped the session, e.g. after a reboot), the
 * operation is retried once in a fresh session; later failures are reported as they are. A session
 * without operations for idleCloseMs is closed on the BMC (keep-alives do not count), so a rack of
 * fragile BMCs does not hold sessions forever; the next operation opens a new one. close() fails
 * what is queued and what waits for an answer at once, with a "closed" error, instead of letting
 * each wait out its timeout.
 */
import type { Logger } from '../../lib/log.js';
import type { BmcClient, BmcTarget, BmcUser, BootFlags, BootOverride, BootSetResult, ChassisStatus, FruInfo, LanConfig, McInfo, PowerState, RawResponse, SelEntry, SelInfo, SensorReading } from '../bmc-client.js';
import { bmcFailure, bmcUnsupportedError, isBmcError, type BmcWhere, whereOf } from '../errors.js';
import { ErrorCodes } from '../../lib/errors.js';
import { SerialQueue, type Semaphore } from '../scheduler.js';
import { LanplusSession, type IpmiSession, type SessionOptions } from './session.js';
import { describeCompletionCode, isUnsupportedCode } from './message.js';
import * as cmd from './commands.js';
import { readSensors } from './sensors.js';
import { coldReset, warmReset } from './device.js';
import { clearSelLog, completionError, readFru, readLanConfig, readMcInfo, readSel, readSelInfo, type Run, type Send } from './maintenance.js';
import { compareBootFlags } from '../boot-flags.js';
import type { DatagramTransport } from './transport.js';
import { Quirks } from '../quirks.js';

/** Completion codes of a BMC that does not take a data byte (here: the persistent bit). */
const REFUSED_DATA = [0xcc, 0xc9];

export interface IpmiClientOptions extends SessionOptions {
  minCommandIntervalMs: number;
  /** Send a harmless command this long after the last one, so the BMC keeps the session. 0: never. */
  keepAliveMs: number;
  /** Close the session on the BMC after this long without an operation. 0 or absent: never. */
  idleCloseMs?: number;
}

/** Call fn after ms (not keeping the process alive); returns a cancel function. */
export type SetTimer = (ms: number, fn: () => void) => () => void;

export interface IpmiClientDeps {
  transport: DatagramTransport;
  fanout: Semaphore;
  log: Logger;
  /** Unit tests: a scripted session and a clock moved by hand. */
  session?: IpmiSession;
  setTimer?: SetTimer;
}

const unrefTimer: SetTimer = (ms, fn) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};


export class IpmiBmcClient implements BmcClient {
  readonly driver = 'ipmi';
  private readonly session: IpmiSession;
  private readonly queue: SerialQueue;
  private readonly setTimer: SetTimer;
  private cancelKeepAlive: (() => void) | undefined;
  private cancelIdleClose: (() => void) | undefined;
  /** Bumped by every operation, so an idle close queued behind one does not close a session just used. */
  private idleEpoch = 0;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly found = new Quirks();
  /**
   * The persistent override last asked for: many BMCs clear it at the next power cycle, or refuse
   * "persistent" and keep it for one boot only, so it is read back after each power action and set
   * again when lost.
   */
  private wanted: BootOverride | undefined;

  constructor(private readonly target: BmcTarget, private readonly options: IpmiClientOptions, private readonly deps: IpmiClientDeps) {
    this.session = deps.session ?? new LanplusSession(target, options, deps.transport, deps.log);
    this.queue = new SerialQueue(options.minCommandIntervalMs);
    this.setTimer = deps.setTimer ?? unrefTimer;
  }

  private get where(): BmcWhere {
    return whereOf(this.target, 'ipmi');
  }

  /** The cipher suite of the open session (undefined before the first operation). */
  get cipherSuite(): 3 | 17 | undefined {
    return this.session.cipherSuite;
  }

  async ping(): Promise<boolean> {
    return this.queue.run(() => this.deps.fanout.run(() => this.session.ping()));
  }

  async powerState(signal?: AbortSignal): Promise<PowerState> {
    return (await this.chassisStatus(signal)).power;
  }

  async chassisStatus(signal?: AbortSignal): Promise<ChassisStatus> {
    return this.op(async (run) => this.status(run), signal);
  }

  async powerOn(): Promise<void> {
    await this.op(async (run, send) => {
      await run(cmd.chassisControl(cmd.ChassisControl.powerUp), 'power on');
      await this.keepWantedBoot(run, send);
    });
  }

  async powerOff(): Promise<void> {
    await this.op((run) => run(cmd.chassisControl(cmd.ChassisControl.powerDown), 'power off'));
  }

  async softOff(): Promise<void> {
    await this.op((run) => run(cmd.chassisControl(cmd.ChassisControl.softShutdown), 'soft power off'));
  }

  async powerCycle(): Promise<void> {
    await this.op(async (run, send) => {
      // The spec lets a BMC ignore or refuse a cycle of a machine that is off: power it on instead.
      const on = (await this.status(run)).power === 'on';
      await run(cmd.chassisControl(on ? cmd.ChassisControl.powerCycle : cmd.ChassisControl.powerUp), on ? 'power cycle' : 'power on (was off)');
      await this.keepWantedBoot(run, send);
    });
  }

  async reset(): Promise<void> {
    await this.op(async (run, send) => {
      await run(cmd.chassisControl(cmd.ChassisControl.hardReset), 'reset');
      await this.keepWantedBoot(run, send);
    });
  }

  async identify(seconds: number): Promise<void> {
    await this.op((run) => run(cmd.chassisIdentify(seconds), 'identify'));
  }

  async setBootDevice(override: BootOverride): Promise<BootSetResult> {
    return this.op(async (run, send) => {
      await this.writeBootFlags(override, run, send);
      const readBack = await this.bootFlagsIn(run);
      const result = compareBootFlags(this.where, override, readBack);
      this.wanted = override.persistent ? override : undefined;
      if (override.persistent && result.mismatches.includes('persistent') && readBack.valid) {
        this.found.add('persistent boot flag not kept (reads back as next boot only): set again after every power action');
      }
      return result;
    });
  }

  /**
   * What this client found and adapts to; the probe is the session itself (which cipher suite the
   * BMC took) and Get System Boot Options parameter 3 (is the 60 s flag timeout there to disable?).
   */
  async detectQuirks(): Promise<string[]> {
    await this.op(async (_run, send) => {
      const first = this.options.cipherSuites[0];
      if (this.session.cipherSuite !== undefined && first !== undefined && this.session.cipherSuite !== first) {
        this.found.add(`cipher suite ${first} refused: using ${this.session.cipherSuite}`);
      }
      const timer = await send(cmd.getBootFlagTimeout(), 'read the boot flag timeout setting (boot option 3)');
      if (isUnsupportedCode(timer.completionCode)) this.found.add('no boot flag timeout setting (boot option 3): an override may expire after 60 s');
    });
    return this.found.list();
  }

  /**
   * Boot option 3 first, as the original did: without it the flags expire after 60 s. A BMC that
   * refuses the persistent bit (invalid data field) gets the override for the next boot, and the
   * client sets it again after each power action.
   */
  private async writeBootFlags(override: BootOverride, run: Run, send: Send): Promise<void> {
    const timer = await send(cmd.disableBootFlagTimeout(), 'disable the boot flag timeout (boot option 3)');
    if (timer.completionCode !== 0) {
      if (!isUnsupportedCode(timer.completionCode)) throw completionError(this.where, 'disable the boot flag timeout (boot option 3)', timer.completionCode);
      this.found.add('no boot flag timeout setting (boot option 3): an override may expire after 60 s');
      this.deps.log.warn({ node: this.target.node }, 'BMC has no boot flag timeout setting (boot option 3); the override may expire after 60 s');
    }
    const step = `set boot device ${override.device} (boot option 5)`;
    const r = await send(cmd.setBootFlags(override), step);
    if (r.completionCode === 0) return;
    if (!override.persistent || !REFUSED_DATA.includes(r.completionCode)) throw completionError(this.where, step, r.completionCode);
    this.found.add(`persistent boot flag refused (${describeCompletionCode(r.completionCode)}): set for the next boot, again after every power action`);
    await run(cmd.setBootFlags({ ...override, persistent: false }), `${step}, next boot only`);
  }

  /** After a power action: the persistent override asked for still there? Set it again if not. */
  private async keepWantedBoot(run: Run, send: Send): Promise<void> {
    const wanted = this.wanted;
    if (wanted === undefined) return;
    const now = await this.bootFlagsIn(run);
    // The device only: some BMCs (ipmi_sim) keep the device and report the other bits cleared.
    if (now.device === wanted.device) return;
    this.found.add('boot flags cleared by a power action: set again');
    this.deps.log.info({ node: this.target.node, wanted: wanted.device, found: now.device }, 'the BMC dropped the persistent boot override; setting it again');
    await this.writeBootFlags(wanted, run, send);
  }

  async bootFlags(): Promise<BootFlags> {
    return this.op((run) => this.bootFlagsIn(run));
  }

  async sensors(): Promise<SensorReading[]> {
    return this.op((_run, send) => readSensors(send, this.where));
  }

  async users(): Promise<BmcUser[]> {
    return this.op(async (run, send) => {
      const first = cmd.decodeUserAccess(await run(cmd.getUserAccess(0x0e, 1), 'get user access 1'));
      if (first === undefined) throw bmcFailure(this.where, 'get user access', 'short response');
      const users: BmcUser[] = [];
      for (let id = 1; id <= first.maxUsers; id++) {
        const access = id === 1 ? first : cmd.decodeUserAccess(await run(cmd.getUserAccess(0x0e, id), `get user access ${id}`));
        // User 1 is the anonymous user: many BMCs refuse to name it.
        const name = await send(cmd.getUserName(id), `get user name ${id}`);
        if (access !== undefined) users.push(cmd.userFrom(id, name.completionCode === 0 ? cmd.decodeUserName(name.data) : '', access));
      }
      return users;
    });
  }

  async setUserPassword(id: number, password: string): Promise<void> {
    await this.op((run) => run(cmd.setUserPassword(id, password), `set password of user ${id}`));
  }

  async raw(netFn: number, command: number, data: Uint8Array): Promise<RawResponse> {
    return this.op(async (_run, send) => {
      const r = await send({ netFn, command, data }, `raw netfn 0x${netFn.toString(16)} command 0x${command.toString(16)}`);
      return { completionCode: r.completionCode, data: r.data };
    });
  }

  async selInfo(): Promise<SelInfo> {
    return this.op((run, send) => readSelInfo({ run, send, where: this.where }));
  }

  async selList(): Promise<SelEntry[]> {
    return this.op((run, send) => readSel({ run, send, where: this.where }));
  }

  async selClear(): Promise<void> {
    await this.op((run, send) => clearSelLog({ run, send, where: this.where }));
  }

  async fru(): Promise<FruInfo> {
    return this.op((run, send) => readFru({ run, send, where: this.where }));
  }

  async mcInfo(): Promise<McInfo> {
    return this.op((run, send) => readMcInfo({ run, send, where: this.where }));
  }

  async mcReset(kind: 'cold' | 'warm'): Promise<{ answered: boolean }> {
    try {
      // The BMC forgets the session as it resets: dropped here, inside the operation, so the next one opens a new session.
      await this.op(async (_run, send) => {
        const step = `${kind} reset of the BMC`;
        const r = await send(kind === 'cold' ? coldReset() : warmReset(), step);
        if (r.completionCode === 0) {
          this.session.drop();
          return;
        }
        if (!isUnsupportedCode(r.completionCode)) throw completionError(this.where, step, r.completionCode);
        throw bmcUnsupportedError(this.where, step, describeCompletionCode(r.completionCode),
          `this BMC takes no ${kind} reset over IPMI${kind === 'warm' ? ': try mc reset cold' : ''}; its web interface, or removing its power, resets it`);
      });
      return { answered: true };
    } catch (e) {
      // A BMC may reset before it answers: the request went out (a stale session was retried), which is what was asked.
      if (isBmcError(e) && e.code === ErrorCodes.bmcTimeout) return { answered: false };
      throw e;
    }
  }

  async lanConfig(channel: number): Promise<LanConfig> {
    return this.op((run, send) => readLanConfig({ run, send, where: this.where }, channel));
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stopKeepAlive();
      this.stopIdleClose();
      const reason = this.closedError();
      this.closing.abort(reason); // operations waiting for a fan-out slot
      this.session.interrupt(reason); // the operation waiting for an answer; queued ones fail as they start
    }
    await this.queue.run(() => this.session.close());
  }

  private closedError(): Error {
    return bmcFailure(this.where, 'operation', 'cancelled: the BMC client was closed (racker is stopping or the node left the rack)');
  }

  private async status(run: Run): Promise<ChassisStatus> {
    const s = cmd.decodeChassisStatus(await run(cmd.getChassisStatus(), 'get chassis status'));
    if (s === undefined) throw bmcFailure(this.where, 'get chassis status', 'short response');
    return s;
  }

  private async bootFlagsIn(run: Run): Promise<BootFlags> {
    const flags = cmd.decodeBootFlags(await run(cmd.getBootFlags(), 'read back boot flags (boot option 5)'));
    if (flags === undefined) throw bmcFailure(this.where, 'read back boot flags (boot option 5)', 'malformed response');
    return flags;
  }

  /**
   * Run one operation: first this BMC's turn (one operation at a time), then a fan-out slot, in
   * that order so that operations queued behind a slow or dead BMC hold no slot other BMCs need.
   * `signal` is the caller giving up (a poll's deadline): if it aborts before the operation's turn
   * comes, the operation is dropped instead of being sent late.
   */
  private op<T>(fn: (run: Run, send: Send) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const stop = signal === undefined ? this.closing.signal : AbortSignal.any([this.closing.signal, signal]);
    return this.queue.run(() => this.deps.fanout.run(async () => {
      if (this.closed) throw this.closedError(); // queued before close(): do not make close wait for it
      this.stopKeepAlive();
      this.stopIdleClose();
      this.idleEpoch++;
      let answered = 0;
      const send: Send = async (request, step) => {
        await this.queue.pace();
        const r = await this.session.command(request, step);
        answered++;
        return r;
      };
      const run: Run = async (request, step) => {
        const r = await send(request, step);
        if (r.completionCode !== 0) throw completionError(this.where, step, r.completionCode);
        return r.data;
      };
      const reused = this.session.isOpen;
      try {
        await this.session.open();
        return await fn(run, send);
      } catch (e) {
        if (!(reused && answered === 0 && isBmcError(e) && e.code === ErrorCodes.bmcTimeout)) throw e;
        this.deps.log.debug({ node: this.target.node }, 'reused session got no answer; opening a new one');
        this.session.drop();
        await this.session.open();
        return await fn(run, send);
      } finally {
        this.scheduleKeepAlive();
        this.scheduleIdleClose();
      }
    }, stop));
  }

  private scheduleIdleClose(): void {
    const idleMs = this.options.idleCloseMs ?? 0;
    if (idleMs <= 0 || this.closed || !this.session.isOpen) return;
    const epoch = this.idleEpoch;
    this.cancelIdleClose = this.setTimer(idleMs, () => {
      this.cancelIdleClose = undefined;
      void this.queue.run(async () => {
        if (epoch !== this.idleEpoch || this.closed || !this.session.isOpen) return;
        this.stopKeepAlive();
        this.deps.log.debug({ node: this.target.node, idleMs }, 'closing an idle BMC session');
        await this.session.close();
      });
    });
  }

  private stopIdleClose(): void {
    this.cancelIdleClose?.();
    this.cancelIdleClose = undefined;
  }

  private scheduleKeepAlive(): void {
    if (this.options.keepAliveMs <= 0 || this.closed || !this.session.isOpen) return;
    this.cancelKeepAlive = this.setTimer(this.options.keepAliveMs, () => {
      this.cancelKeepAlive = undefined;
      void this.queue.run(async () => {
        if (!this.session.isOpen || this.closed) return;
        try {
          await this.session.command(cmd.getDeviceId(), 'keep-alive');
        } catch (e) {
          this.deps.log.debug({ err: e, node: this.target.node }, 'keep-alive got no answer; the next operation opens a new session');
          this.session.drop();
        }
        this.scheduleKeepAlive();
      });
    });
  }

  private stopKeepAlive(): void {
    this.cancelKeepAlive?.();
    this.cancelKeepAlive = undefined;
  }
}
