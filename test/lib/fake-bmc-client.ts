/**
 * FakeBmc: an in-memory BmcClient for other subsystems' unit tests (bootstrap, status, CLI). It
 * records every call, keeps power and boot state, and can be told to fail or to ignore boot
 * overrides like some real BMCs do. Assert with the expect… helpers.
 */
import type { BmcClient, BmcUser, BootFlags, BootOverride, BootSetResult, ChassisStatus, PowerState, RawResponse, SensorReading } from '../../agent/bmc/bmc-client.js';
import { compareBootFlags } from '../../agent/bmc/boot-flags.js';

export interface FakeBmcOptions {
  node?: string;
  power?: PowerState;
  /** Answer every call with this error. */
  failWith?: Error;
  /** Accept boot overrides but keep the old flags (the BMC bug the read-back exists for). */
  ignoreBootOverride?: boolean;
  sensors?: SensorReading[];
  users?: BmcUser[];
}

export class FakeBmc implements BmcClient {
  readonly driver = 'fake';
  readonly calls: string[] = [];
  power: PowerState;
  boot: BootFlags = { valid: false, device: 'none', persistent: false, efi: false };
  readonly passwords = new Map<number, string>();
  closed = false;

  constructor(private readonly o: FakeBmcOptions = {}) {
    this.power = o.power ?? 'off';
  }

  private async call<T>(name: string, fn: () => T): Promise<T> {
    this.calls.push(name);
    if (this.o.failWith !== undefined) throw this.o.failWith;
    return fn();
  }

  ping(): Promise<boolean> { return this.call('ping', () => true); }
  powerState(): Promise<PowerState> { return this.call('powerState', () => this.power); }
  chassisStatus(): Promise<ChassisStatus> {
    return this.call('chassisStatus', () => ({ power: this.power, faults: [], lastPowerEvent: '', intrusion: false, identify: 'off' as const, restorePolicy: 'always-off' as const }));
  }
  powerOn(): Promise<void> { return this.call('powerOn', () => { this.power = 'on'; }); }
  powerOff(): Promise<void> { return this.call('powerOff', () => { this.power = 'off'; }); }
  softOff(): Promise<void> { return this.call('softOff', () => { this.power = 'off'; }); }
  powerCycle(): Promise<void> { return this.call('powerCycle', () => { this.power = 'on'; }); }
  reset(): Promise<void> { return this.call('reset', () => undefined); }
  identify(seconds: number): Promise<void> { return this.call(`identify ${seconds}`, () => undefined); }

  setBootDevice(o: BootOverride): Promise<BootSetResult> {
    return this.call(`setBootDevice ${o.device} ${o.persistent ? 'persistent' : 'once'} ${o.efi ? 'efi' : 'legacy'}`, () => {
      if (this.o.ignoreBootOverride !== true) this.boot = { valid: true, ...o };
      return compareBootFlags({ node: this.o.node ?? 'fake', address: '192.0.2.1', port: 623 }, o, this.boot);
    });
  }

  bootFlags(): Promise<BootFlags> { return this.call('bootFlags', () => this.boot); }
  sensors(): Promise<SensorReading[]> { return this.call('sensors', () => this.o.sensors ?? []); }
  users(): Promise<BmcUser[]> { return this.call('users', () => this.o.users ?? []); }
  setUserPassword(id: number, password: string): Promise<void> { return this.call(`setUserPassword ${id}`, () => { this.passwords.set(id, password); }); }
  raw(netFn: number, command: number): Promise<RawResponse> { return this.call(`raw ${netFn} ${command}`, () => ({ completionCode: 0, data: new Uint8Array() })); }
  close(): Promise<void> { this.closed = true; return Promise.resolve(); }

  /** Throws unless exactly these calls happened, in this order. */
  expectCalls(...names: string[]): void {
    if (JSON.stringify(this.calls) !== JSON.stringify(names)) throw new Error(`expected BMC calls ${JSON.stringify(names)}, got ${JSON.stringify(this.calls)}`);
  }

  expectBoot(device: BootFlags['device'], persistent: boolean, efi: boolean): void {
    const b = this.boot;
    if (b.device !== device || b.persistent !== persistent || b.efi !== efi) throw new Error(`expected boot ${device}/${persistent}/${efi}, got ${JSON.stringify(b)}`);
  }
}
