/**
 * BmcClient over Redfish (DMTF DSP0266): service root, Systems discovery, ComputerSystem.Reset
 * with a reset type the BMC advertises, boot override (target, Once/Continuous, UEFI/Legacy) with
 * read-back — some BMCs answer 200 and ignore it — Thermal/Power readings and accounts. A session
 * (X-Auth-Token) is opened when the service offers one, else basic auth is sent.
 */
import type { Logger } from '../../lib/log.js';
import type { BmcClient, BmcTarget, BmcUser, BootDevice, BootFlags, BootOverride, BootSetResult, ChassisStatus, PowerState, RawResponse, SensorReading } from '../bmc-client.js';
import { bmcAuthError, bmcFailure, bmcTimeoutError, bmcUnsupportedError, type BmcWhere } from '../errors.js';
import { compareBootFlags } from '../boot-flags.js';
import type { Semaphore } from '../scheduler.js';
import { RedfishHttp, RedfishTransportError, type HttpResponse } from './client.js';

export interface RedfishOptions {
  verifyTls: boolean;
  tlsFingerprint: string | undefined;
  useSessions: boolean;
  timeoutMs: number;
}

type Json = Record<string, unknown>;
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const odataId = (v: unknown): string | undefined => (v as { '@odata.id'?: string } | undefined)?.['@odata.id'];

const TARGETS: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', bios: 'BiosSetup', cdrom: 'Cd' };
const RESET_PREFERENCES = {
  on: ['On', 'ForceOn'],
  off: ['ForceOff'],
  soft: ['GracefulShutdown'],
  cycle: ['PowerCycle', 'ForceRestart'],
  reset: ['ForceRestart', 'GracefulRestart'],
} as const;

export class RedfishBmcClient implements BmcClient {
  readonly driver = 'redfish';
  private readonly http: RedfishHttp;
  private auth: Record<string, string> | undefined;
  private sessionUri: string | undefined;
  private systemUri: string | undefined;

  constructor(private readonly target: BmcTarget, private readonly options: RedfishOptions, private readonly deps: { fanout: Semaphore; log: Logger }) {
    this.http = new RedfishHttp({ address: target.address, port: target.port, verifyTls: options.verifyTls, tlsFingerprint: options.tlsFingerprint, timeoutMs: options.timeoutMs });
  }

  private get where(): BmcWhere {
    return { node: this.target.node, address: this.target.address, port: this.target.port };
  }

  async ping(): Promise<boolean> {
    try {
      const r = await this.call('GET', '/redfish/v1', 'service root', undefined, false);
      return r.status === 200;
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
    const s = await this.system();
    const led = s.IndicatorLED;
    return {
      power: s.PowerState === 'On' || s.PowerState === 'PoweringOff' ? 'on' : 'off',
      faults: (s.Status as Json | undefined)?.Health === 'Critical' ? ['health critical'] : [],
      lastPowerEvent: '',
      intrusion: false,
      identify: led === 'Blinking' ? 'indefinite' : led === 'Off' || led === 'Lit' ? 'off' : 'unknown',
      restorePolicy: s.PowerRestorePolicy === 'AlwaysOn' ? 'always-on' : s.PowerRestorePolicy === 'AlwaysOff' ? 'always-off' : s.PowerRestorePolicy === 'LastState' ? 'previous' : 'unknown',
    };
  }

  async powerOn(): Promise<void> {
    await this.resetAction('on', 'power on');
  }

  async powerOff(): Promise<void> {
    await this.resetAction('off', 'power off');
  }

  async softOff(): Promise<void> {
    await this.resetAction('soft', 'soft power off');
  }

  async powerCycle(): Promise<void> {
    if ((await this.powerState()) === 'off') await this.resetAction('on', 'power on (was off)');
    else await this.resetAction('cycle', 'power cycle');
  }

  async reset(): Promise<void> {
    await this.resetAction('reset', 'reset');
  }

  async identify(seconds: number): Promise<void> {
    await this.expectOk(await this.call('PATCH', await this.systemPath(), 'identify', { IndicatorLED: seconds > 0 ? 'Blinking' : 'Off' }), 'identify');
  }

  async setBootDevice(o: BootOverride): Promise<BootSetResult> {
    const step = `set boot device ${o.device}`;
    const s = await this.system();
    const allowed = (s.Boot as Json | undefined)?.['BootSourceOverrideTarget@Redfish.AllowableValues'] as string[] | undefined;
    if (allowed !== undefined && !allowed.includes(TARGETS[o.device])) {
      throw bmcUnsupportedError(this.where, step, `the BMC allows boot targets ${allowed.join(', ')}, not ${TARGETS[o.device]}`);
    }
    const boot = { BootSourceOverrideTarget: TARGETS[o.device], BootSourceOverrideEnabled: o.persistent ? 'Continuous' : 'Once', BootSourceOverrideMode: o.efi ? 'UEFI' : 'Legacy' };
    await this.expectOk(await this.call('PATCH', await this.systemPath(), step, { Boot: boot }), step);
    return compareBootFlags(this.where, o, await this.bootFlags());
  }

  async bootFlags(): Promise<BootFlags> {
    const b = ((await this.system()).Boot ?? {}) as Json;
    const target = b.BootSourceOverrideTarget as string | undefined;
    const device = (Object.entries(TARGETS).find(([, v]) => v === target)?.[0] as BootDevice | undefined) ?? (target === undefined || target === 'None' ? 'none' : 'other');
    return { valid: b.BootSourceOverrideEnabled !== 'Disabled' && device !== 'none', device, persistent: b.BootSourceOverrideEnabled === 'Continuous', efi: b.BootSourceOverrideMode === 'UEFI', raw: JSON.stringify(b) };
  }

  async sensors(): Promise<SensorReading[]> {
    const chassis = await this.get('/redfish/v1/Chassis', 'list chassis');
    const first = odataId((chassis.Members as unknown[] | undefined)?.[0]);
    if (first === undefined) return [];
    const c = await this.get(first, 'read chassis');
    const out: SensorReading[] = [];
    const thermalUri = odataId(c.Thermal);
    if (thermalUri !== undefined) {
      const t = await this.get(thermalUri, 'read thermal sensors');
      for (const x of (t.Temperatures ?? []) as Json[]) out.push(reading(x, 'temperature', x.ReadingCelsius, '°C'));
      for (const x of (t.Fans ?? []) as Json[]) out.push(reading(x, 'fan', x.Reading, (x.ReadingUnits as string | undefined) ?? 'RPM'));
    }
    const powerUri = odataId(c.Power);
    if (powerUri !== undefined) {
      const p = await this.get(powerUri, 'read power sensors');
      for (const x of (p.Voltages ?? []) as Json[]) out.push(reading(x, 'voltage', x.ReadingVolts, 'V'));
    }
    return out;
  }

  async users(): Promise<BmcUser[]> {
    const list = await this.get('/redfish/v1/AccountService/Accounts', 'list accounts');
    const users: BmcUser[] = [];
    for (const m of (list.Members ?? []) as unknown[]) {
      const uri = odataId(m);
      if (uri === undefined) continue;
      const a = await this.get(uri, 'read account');
      users.push({ id: Number(a.Id), name: text(a.UserName), enabled: a.Enabled === true, privilege: text(a.RoleId).toLowerCase() });
    }
    return users;
  }

  async setUserPassword(id: number, password: string): Promise<void> {
    const step = `set password of user ${id}`;
    await this.expectOk(await this.call('PATCH', `/redfish/v1/AccountService/Accounts/${id}`, step, { Password: password }), step);
  }

  async raw(): Promise<RawResponse> {
    throw bmcUnsupportedError(this.where, 'raw', 'Redfish has no raw IPMI commands', 'use the ipmi or ipmitool driver for raw commands');
  }

  async close(): Promise<void> {
    const uri = this.sessionUri;
    this.sessionUri = undefined;
    if (uri !== undefined && this.auth !== undefined) {
      try {
        await this.http.send('DELETE', uri, this.auth);
      } catch (e) {
        this.deps.log.debug({ err: e }, 'could not delete the Redfish session; the BMC expires it');
      }
    }
    this.auth = undefined;
    this.http.close();
  }

  private async resetAction(kind: keyof typeof RESET_PREFERENCES, step: string): Promise<void> {
    const s = await this.system();
    const action = (s.Actions as Json | undefined)?.['#ComputerSystem.Reset'] as Json | undefined;
    const target = action?.target as string | undefined;
    if (target === undefined) throw bmcUnsupportedError(this.where, step, 'the system has no ComputerSystem.Reset action');
    let allowed = action?.['ResetType@Redfish.AllowableValues'] as string[] | undefined;
    const info = action?.['@Redfish.ActionInfo'] as string | undefined;
    if (allowed === undefined && info !== undefined) {
      const params = (await this.get(info, 'read reset action info')).Parameters as Json[] | undefined;
      allowed = params?.find((p) => p.Name === 'ResetType')?.AllowableValues as string[] | undefined;
    }
    const preferred: readonly string[] = RESET_PREFERENCES[kind];
    const type = allowed === undefined ? preferred[0] : preferred.find((t) => allowed.includes(t));
    if (type === undefined) throw bmcUnsupportedError(this.where, step, `the BMC allows reset types ${allowed?.join(', ')}, none of ${preferred.join(', ')}`);
    await this.expectOk(await this.call('POST', target, step, { ResetType: type }), step);
  }

  private async systemPath(): Promise<string> {
    if (this.systemUri !== undefined) return this.systemUri;
    const list = await this.get('/redfish/v1/Systems', 'list systems');
    const first = odataId((list.Members as unknown[] | undefined)?.[0]);
    if (first === undefined) throw bmcFailure(this.where, 'list systems', 'the Redfish service lists no ComputerSystem');
    this.systemUri = first;
    return first;
  }

  private async system(): Promise<Json> {
    return this.get(await this.systemPath(), 'read system');
  }

  private async get(path: string, step: string): Promise<Json> {
    const r = await this.call('GET', path, step);
    await this.expectOk(r, step);
    return (r.body ?? {}) as Json;
  }

  private async expectOk(r: HttpResponse, step: string): Promise<void> {
    if (r.status >= 200 && r.status < 300) return;
    if (r.status === 401 || r.status === 403) throw bmcAuthError(this.where, step, `HTTP ${r.status}`);
    const info = ((r.body as Json | undefined)?.error as Json | undefined)?.['@Message.ExtendedInfo'] as Json[] | undefined;
    const message = (info?.[0]?.Message as string | undefined) ?? ((r.body as Json | undefined)?.error as Json | undefined)?.message as string | undefined;
    const text = `HTTP ${r.status}${message === undefined ? '' : `: ${message}`}`;
    if (r.status === 404 || r.status === 405 || r.status === 501) throw bmcUnsupportedError(this.where, step, text);
    throw bmcFailure(this.where, step, text);
  }

  /** One request with authentication (a session is opened on first use when enabled). */
  private async call(method: string, path: string, step: string, body?: unknown, authenticate = true): Promise<HttpResponse> {
    return this.deps.fanout.run(async () => {
      try {
        const headers = authenticate ? await this.authHeaders() : {};
        return await this.http.send(method, path, headers, body);
      } catch (e) {
        throw this.translate(e, step);
      }
    });
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth !== undefined) return this.auth;
    const basic = { Authorization: `Basic ${Buffer.from(`${this.target.user}:${this.target.password}`).toString('base64')}` };
    if (!this.options.useSessions) return (this.auth = basic);
    const r = await this.http.send('POST', '/redfish/v1/SessionService/Sessions', {}, { UserName: this.target.user, Password: this.target.password });
    const token = r.headers['x-auth-token'];
    if (r.status >= 200 && r.status < 300 && typeof token === 'string') {
      this.sessionUri = typeof r.headers.location === 'string' ? new URL(r.headers.location, 'https://bmc').pathname : undefined;
      return (this.auth = { 'X-Auth-Token': token });
    }
    if (r.status === 401 || r.status === 403) throw bmcAuthError(this.where, 'open Redfish session', `HTTP ${r.status}`);
    this.deps.log.debug({ status: r.status }, 'no Redfish sessions; using basic auth');
    return (this.auth = basic);
  }

  private translate(e: unknown, step: string): Error {
    if (!(e instanceof RedfishTransportError)) return e as Error;
    if (e.kind === 'timeout' || e.kind === 'refused') return bmcTimeoutError(this.where, `${step} (${e.message})`, this.options.timeoutMs);
    if (e.kind === 'tls' || e.kind === 'pin') {
      return bmcFailure(this.where, step, e.message,
        `if the BMC's certificate is self-signed, pin it: bmc.nodes."<BMC MAC>".tlsFingerprint from \`openssl s_client -connect ${this.target.address}:${this.target.port} </dev/null | openssl x509 -noout -fingerprint -sha256\``);
    }
    return bmcFailure(this.where, step, e.message);
  }
}

function reading(x: Json, type: string, value: unknown, unit: string): SensorReading {
  const health = (x.Status as Json | undefined)?.Health;
  const v = typeof value === 'number' ? value : undefined;
  return { name: text(x.Name) || text(x.MemberId), type, value: v, unit, status: v === undefined ? 'unavailable' : health === 'Critical' ? 'critical' : health === 'Warning' ? 'warning' : 'ok' };
}
