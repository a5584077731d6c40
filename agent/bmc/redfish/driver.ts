/**
 * BmcClient over Redfish (DMTF DSP0266), written for the vendors' differences rather than the
 * standard alone: resources are found from the service root's links (never built from Ids), the
 * node's system is chosen among several (system-choice.ts), power is idempotent (power.ts), the
 * boot override adapts to read-only modes and settings resources and is read back (boot.ts) —
 * some BMCs answer 200 and ignore it — sessions are renewed once when the BMC forgets them and
 * every PATCH carries the ETag (connection.ts). What it adapted to is kept as quirks for `diag`.
 * Every resource is parsed with its schema when read (schemas.ts). ipmitool's maintenance words
 * map to the resources holding the same facts: fru to the system and chassis (system-facts.ts),
 * mc info, mc reset and lan print to the Manager (manager.ts), sel to the SEL log service (event-log.ts).
 */
import type { z } from 'zod';
import type { Logger } from '../../lib/log.js';
import type { BmcClient, BmcTarget, BmcUser, BootFlags, BootOverride, BootSetResult, ChassisStatus, FruInfo, LanConfig, McInfo, PowerState, RawResponse, SelEntry, SelInfo, SensorReading } from '../bmc-client.js';
import { bmcFailure, bmcUnsupportedError, type BmcWhere } from '../errors.js';
import { compareBootFlags } from '../boot-flags.js';
import { Quirks } from '../quirks.js';
import type { Semaphore } from '../scheduler.js';
import { RedfishConnection, odataId, text, type RedfishOptions, type Resource } from './connection.js';
import { TARGETS, bootFlagsOf, probeBootHabits, settingsObject, writeBootOverride, type BootHabits } from './boot.js';
import { RedfishPower, powerOf } from './power.js';
import { chooseChassis, chooseSystem, members } from './system-choice.js';
import { fanReading, powerReadings, sensorReading, thermalMetricsReadings, thermalReadings } from './sensors.js';
import { clearSel, findSelService, readSelEntries, readSelInfo } from './event-log.js';
import { fruOf, readSystemFacts, type SystemFacts } from './system-facts.js';
import { mcInfoOf, readLanConfig, readManager, resetManager } from './manager.js';
import {
  accountSchema, accountServiceSchema, chassisSchema, computerSystemSchema, fanSchema, powerSchema, sensorSchema, settingsSchema,
  thermalMetricsSchema, thermalSchema, thermalSubsystemSchema, type ComputerSystem,
} from './schemas.js';

export type { RedfishOptions } from './connection.js';

export class RedfishBmcClient implements BmcClient {
  readonly driver = 'redfish';
  private readonly conn: RedfishConnection;
  private readonly power: RedfishPower;
  private readonly found = new Quirks();
  private readonly habits: BootHabits = { mode: 'auto', viaSettings: false };
  private systemUri: string | undefined;
  /** The pending "identify off" of a timed identify, and the promise close() waits for. */
  private identifyOff: { timer: NodeJS.Timeout; done: Promise<void>; settle: () => void } | undefined;

  constructor(private readonly target: BmcTarget, options: RedfishOptions, private readonly deps: { fanout: Semaphore; log: Logger }) {
    this.conn = new RedfishConnection(target, options, { fanout: deps.fanout, log: deps.log, quirks: this.found });
    this.power = new RedfishPower(this.conn, () => this.system(), this.found);
  }

  private get where(): BmcWhere {
    return this.conn.where;
  }

  /**
   * What this client adapted to so far, and what a probe finds: the locator and the boot override
   * rewritten with the values they have (the first without If-Match: is the ETag required?).
   */
  async detectQuirks(): Promise<string[]> {
    const system = await this.system();
    const modern = typeof system.body.LocationIndicatorActive === 'boolean';
    if (!modern) this.found.add('no LocationIndicatorActive: identify uses IndicatorLED');
    if (system.etag !== undefined) {
      const locator = modern ? { LocationIndicatorActive: system.body.LocationIndicatorActive } : { IndicatorLED: system.body.IndicatorLED };
      const r = await this.conn.request('PATCH', system.path, 'probe: PATCH without If-Match', locator);
      if (r.status === 428 || r.status === 412) this.found.add(`ETag required (${r.status} without If-Match)`);
    }
    await probeBootHabits(this.conn, await this.system(), this.habits, this.found);
    return this.found.list();
  }

  async ping(): Promise<boolean> {
    try {
      await this.conn.serviceRoot();
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'RACKER_E_BMC_TIMEOUT') return false;
      throw e;
    }
  }

  async powerState(signal?: AbortSignal): Promise<PowerState> {
    signal?.throwIfAborted();
    return (await this.chassisStatus()).power;
  }

  async chassisStatus(): Promise<ChassisStatus> {
    const s = (await this.system()).body;
    const { power, transition } = powerOf(s.PowerState);
    const lit = typeof s.LocationIndicatorActive === 'boolean' ? s.LocationIndicatorActive : s.IndicatorLED === 'Blinking' || s.IndicatorLED === 'Lit' ? true : s.IndicatorLED === 'Off' ? false : undefined;
    return {
      power,
      ...(transition === undefined ? {} : { transition }),
      faults: s.Status?.Health === 'Critical' ? ['health critical'] : [],
      lastPowerEvent: '',
      intrusion: false,
      identify: lit === undefined ? 'unknown' : !lit ? 'off' : this.identifyOff === undefined ? 'indefinite' : 'temporary',
      restorePolicy: s.PowerRestorePolicy === 'AlwaysOn' ? 'always-on' : s.PowerRestorePolicy === 'AlwaysOff' ? 'always-off' : s.PowerRestorePolicy === 'LastState' ? 'previous' : 'unknown',
    };
  }

  async powerOn(): Promise<void> {
    await this.power.act('on', 'power on');
  }

  async powerOff(): Promise<void> {
    await this.power.act('off', 'power off');
  }

  async softOff(): Promise<void> {
    await this.power.act('soft', 'soft power off');
  }

  async powerCycle(): Promise<void> {
    await this.power.act('cycle', 'power cycle');
  }

  async reset(): Promise<void> {
    await this.power.act('reset', 'reset');
  }

  /**
   * Light the locator for `seconds` (0: off). Redfish has no duration, so racker turns it off
   * itself when the time is up; close() waits for that, so a CLI run keeps its promise.
   */
  async identify(seconds: number): Promise<void> {
    this.cancelIdentifyOff();
    await this.setIndicator(seconds > 0);
    if (seconds <= 0) return;
    let settle = (): void => undefined;
    const done = new Promise<void>((resolve) => { settle = resolve; });
    const timer = setTimeout(() => {
      if (this.identifyOff?.done !== done) return;
      this.identifyOff = undefined;
      this.setIndicator(false).catch((e: unknown) => this.deps.log.warn({ err: e, node: this.target.node }, 'could not turn the locator light off')).finally(settle);
    }, seconds * 1000);
    timer.unref();
    this.identifyOff = { timer, done, settle };
  }

  async setBootDevice(o: BootOverride): Promise<BootSetResult> {
    const step = `set boot device ${o.device}`;
    const system = await this.system();
    const allowed = system.body.Boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'];
    if (allowed != null && !allowed.includes(TARGETS[o.device])) {
      throw bmcUnsupportedError(this.where, step, `the BMC allows boot targets ${allowed.join(', ')}, not ${TARGETS[o.device]}`, 'use another boot device, or the ipmi driver for this node');
    }
    await writeBootOverride(this.conn, system, o, this.habits, this.found, step);
    return compareBootFlags(this.where, o, await this.bootFlags());
  }

  /** The override in force, or pending in the settings resource when the BMC takes it there. */
  async bootFlags(): Promise<BootFlags> {
    const system = await this.system();
    const boot = system.body.Boot ?? {};
    const settings = settingsObject(system.body);
    if (settings === undefined) return bootFlagsOf(boot);
    const pending = (await this.conn.read(settings, 'read pending boot settings', settingsSchema)).body.Boot;
    return bootFlagsOf({ ...boot, ...(pending ?? {}) });
  }

  async sensors(): Promise<SensorReading[]> {
    const chassisUri = await chooseChassis(this.conn, (await this.system()).body, this.found);
    if (chassisUri === undefined) return [];
    const c = (await this.conn.read(chassisUri, 'read chassis', chassisSchema)).body;
    const sensorsUri = odataId(c.Sensors);
    if (sensorsUri !== undefined) {
      const out: SensorReading[] = [];
      for (const m of await members(this.conn, sensorsUri, 'list sensors')) out.push(sensorReading((await this.conn.read(m, 'read sensor', sensorSchema)).body));
      if (out.length > 0) return out;
    }
    const subsystemUri = odataId(c.ThermalSubsystem);
    if (subsystemUri !== undefined) {
      const sub = (await this.conn.read(subsystemUri, 'read thermal subsystem', thermalSubsystemSchema)).body;
      const out: SensorReading[] = [];
      const metrics = odataId(sub.ThermalMetrics);
      if (metrics !== undefined) out.push(...thermalMetricsReadings((await this.conn.read(metrics, 'read thermal metrics', thermalMetricsSchema)).body));
      const fans = odataId(sub.Fans);
      if (fans !== undefined) for (const m of await members(this.conn, fans, 'list fans')) out.push(fanReading((await this.conn.read(m, 'read fan', fanSchema)).body));
      if (out.length > 0) return out;
    }
    const out: SensorReading[] = [];
    const thermalUri = odataId(c.Thermal);
    if (thermalUri !== undefined) out.push(...thermalReadings((await this.conn.read(thermalUri, 'read thermal sensors', thermalSchema)).body));
    const powerUri = odataId(c.Power);
    if (powerUri !== undefined) out.push(...powerReadings((await this.conn.read(powerUri, 'read power sensors', powerSchema)).body));
    return out;
  }

  /** Accounts, numbered by their Id when it is a number, else by their place in the list (OpenBMC's Ids are names). */
  async users(): Promise<BmcUser[]> {
    return (await this.accounts()).map(({ id, account }) => ({ id, name: text(account.body.UserName), enabled: account.body.Enabled === true, privilege: text(account.body.RoleId).toLowerCase() }));
  }

  async setUserPassword(id: number, password: string): Promise<void> {
    const step = `set password of user ${id}`;
    const found = (await this.accounts()).find((a) => a.id === id);
    if (found === undefined) throw bmcFailure(this.where, step, `the BMC has no account ${id}`, 'racker ipmi <node> users lists them');
    this.conn.expectOk(await this.conn.patch(found.account.path, step, { Password: password }, found.account), step);
  }

  /** The SEL's LogService entries. */
  async selList(): Promise<SelEntry[]> {
    return readSelEntries(this.conn, await findSelService(this.conn, (await this.system()).body, 'list the SEL'));
  }

  async selInfo(): Promise<SelInfo> {
    return readSelInfo(this.conn, await findSelService(this.conn, (await this.system()).body, 'sel info'));
  }

  async selClear(): Promise<void> {
    await clearSel(this.conn, await findSelService(this.conn, (await this.system()).body, 'clear the SEL'));
  }

  /** The server's asset facts (system and chassis), typed: what `fru` shows and the hardware inventory reads. */
  async systemFacts(): Promise<SystemFacts> {
    return readSystemFacts(this.conn, (await this.system()).body, this.found);
  }

  /** The system's and chassis' asset fields in FRU terms. */
  async fru(): Promise<FruInfo> {
    return fruOf(await this.systemFacts());
  }

  /** The system's Manager: firmware version, model, UUID, type, status. */
  async mcInfo(): Promise<McInfo> {
    return mcInfoOf((await readManager(this.conn, (await this.system()).body, this.found, 'mc info')).body);
  }

  /** The system's Manager restarts (Manager.Reset): ForceRestart for cold, GracefulRestart for warm. */
  async mcReset(kind: 'cold' | 'warm'): Promise<{ answered: boolean }> {
    return resetManager(this.conn, await readManager(this.conn, (await this.system()).body, this.found, `mc reset ${kind}`), kind);
  }

  /** Channel N: the Manager's Nth EthernetInterface. */
  async lanConfig(channel: number): Promise<LanConfig> {
    return readLanConfig(this.conn, await readManager(this.conn, (await this.system()).body, this.found, `lan print ${channel}`), channel);
  }

  async raw(): Promise<RawResponse> {
    throw bmcUnsupportedError(this.where, 'raw', 'Redfish has no raw IPMI commands', 'use the ipmi or ipmitool driver for raw commands');
  }

  async close(): Promise<void> {
    const pending = this.identifyOff;
    if (pending !== undefined) await pending.done;
    await this.conn.close();
  }

  private cancelIdentifyOff(): void {
    const pending = this.identifyOff;
    this.identifyOff = undefined;
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    pending.settle();
  }

  /** LocationIndicatorActive where the system has it (schema 2020.3+), else the deprecated IndicatorLED. */
  private async setIndicator(on: boolean): Promise<void> {
    const system = await this.system();
    const modern = typeof system.body.LocationIndicatorActive === 'boolean';
    if (!modern) this.found.add('no LocationIndicatorActive: identify uses IndicatorLED');
    const step = on ? 'identify' : 'identify off';
    this.conn.expectOk(await this.conn.patch(system.path, step, modern ? { LocationIndicatorActive: on } : { IndicatorLED: on ? 'Blinking' : 'Off' }, system), step);
  }

  private async accounts(): Promise<Array<{ id: number; account: Resource<z.infer<typeof accountSchema>> }>> {
    const service = (await this.conn.read(await this.conn.rootLink('AccountService', 'list accounts'), 'list accounts', accountServiceSchema)).body;
    const uri = odataId(service.Accounts);
    if (uri === undefined) throw bmcUnsupportedError(this.where, 'list accounts', 'the AccountService has no Accounts');
    const read: Array<Resource<z.infer<typeof accountSchema>>> = [];
    for (const m of await members(this.conn, uri, 'list accounts')) read.push(await this.conn.read(m, 'read account', accountSchema));
    const numeric = read.every((a) => /^\d+$/.test(text(a.body.Id)));
    if (!numeric) this.found.add('account Ids are not numbers: users numbered by their place in the list');
    return read.map((account, i) => ({ id: numeric ? Number(account.body.Id) : i + 1, account }));
  }

  private async system(): Promise<Resource<ComputerSystem>> {
    this.systemUri ??= await chooseSystem(this.conn, this.target, this.deps.log, this.found);
    return this.conn.read(this.systemUri, 'read system', computerSystemSchema);
  }
}
