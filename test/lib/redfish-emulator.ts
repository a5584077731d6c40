/**
 * A small Redfish service over real HTTPS on 127.0.0.1 (random port) that behaves like a vendor
 * profile (redfish-profiles.ts): ETags, boot override (on the System or its settings resource),
 * ComputerSystem.Reset with power state, sessions that expire or are dropped, redirects of the
 * service root, several systems with their managers' MACs, the three sensor shapes, accounts,
 * the asset fields of systems and chassis, the managers' firmware and NIC settings, the SEL log
 * service (all or few of them: the profile's `inventory`), Manager.Reset (which drops every session).
 * It keeps the state a test asserts on (power, boot, pending boot, locator, passwords, logins)
 * and a log of requests. Independent clients (sushy, redfishtool) drive it too, so it follows
 * the DMTF resource layout and protocol rather than what racker happens to send.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { VendorProfile } from './redfish-profiles.js';
import { chassisResource, collection, type Json } from './redfish-chassis.js';

export interface EmulatorOptions {
  profile: VendorProfile;
  key: string;
  /** Leaf certificate, followed by the issuing CA's for a ca-issued profile. */
  cert: string;
  user: string;
  password: string;
}

export interface EmulatedSystem {
  id: string;
  uuid: string;
  nicMac: string;
  managerMac: string;
  power: 'On' | 'Off';
  /**
   * Reported once by the next GET instead of `power`: PoweringOn/PoweringOff after a power change
   * on a profile with transitions, or a stale state a test sets (a BMC that lags behind itself).
   */
  passing: 'PoweringOn' | 'PoweringOff' | 'On' | 'Off' | undefined;
  boot: { BootSourceOverrideTarget: string; BootSourceOverrideEnabled: string; BootSourceOverrideMode: string };
  /** Boot written to the settings resource, applied at the next power on or reset. */
  pending: Json | undefined;
  locator: boolean;
  /** ResetType values received, in order. */
  resets: string[];
  /** ResetType values its manager's Manager.Reset received, in order (each one drops every session). */
  managerResets: string[];
  /** The manager's SEL log service entries (as Dell's iDRAC keeps them: Managers/…/LogServices/Sel). */
  sel: Json[];
}

interface Account { id: string; user: string; password: string; role: string }

const V1 = '/redfish/v1';
const RESET_TYPES = ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart', 'PowerCycle'];
const BOOT_TARGETS = ['None', 'Pxe', 'Hdd', 'Cd', 'BiosSetup'];

/** The MACs of system i (0-based) of an emulator: its NIC and its manager (BMC). */
export const emulatorMacs = (i: number): { nic: string; bmc: string } => ({ nic: `52:54:00:aa:00:${(0x10 + i).toString(16)}`, bmc: `52:54:00:bb:00:${(0x10 + i).toString(16)}` });

export class RedfishEmulator {
  readonly requests: string[] = [];
  readonly systems: EmulatedSystem[];
  readonly accounts: Account[];
  /** Session logins (POST to Sessions that succeeded). */
  logins = 0;
  /** Answer 200 to boot overrides and keep the old ones, as some BMCs do. */
  ignoreBootOverride = false;
  /** The ResetType values the managers' Manager.Reset advertises (and takes); undefined: it advertises none and takes the standard's. */
  managerResetTypes: string[] | undefined = ['GracefulRestart', 'ForceRestart'];
  port = 0;
  private readonly sessions = new Map<string, { id: string; uses: number }>();
  private sessionCounter = 0;
  private server: Server | undefined;

  constructor(private readonly o: EmulatorOptions) {
    const p = o.profile;
    this.systems = Array.from({ length: p.systems }, (_, i) => ({
      id: p.systems === 1 ? 'System.Embedded.1' : `Blade${i + 1}`,
      uuid: `4c4c4544-0000-1000-8000-00000000000${i + 1}`,
      nicMac: emulatorMacs(i).nic, managerMac: emulatorMacs(i).bmc,
      power: 'Off', passing: undefined,
      boot: { BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideMode: 'UEFI' },
      pending: undefined, locator: false, resets: [], managerResets: [],
      sel: [
        { Id: '1', Created: '2026-12-01T10:00:00+00:00', EntryType: 'SEL', EntryCode: 'Assert', SensorType: 'Temperature', SensorNumber: 1, Message: 'CPU1 temperature is above the upper critical threshold', Severity: 'Critical' },
        { Id: '2', Created: '2026-12-01T10:05:00+00:00', EntryType: 'SEL', EntryCode: 'Deassert', SensorType: 'Temperature', SensorNumber: 1, Message: 'CPU1 temperature is back within range', Severity: 'OK' },
      ],
    }));
    this.accounts = [
      { id: p.accountIds === 'names' ? o.user : '2', user: o.user, password: o.password, role: 'Administrator' },
      { id: p.accountIds === 'names' ? 'operator' : '3', user: 'operator', password: 'Operator-Pa55', role: 'Operator' },
    ];
  }

  get profile(): VendorProfile {
    return this.o.profile;
  }

  /** The system racker's node owns: the only one, or the second of several. */
  get node(): EmulatedSystem {
    return this.systems[this.systems.length === 1 ? 0 : 1] as EmulatedSystem;
  }

  async start(): Promise<this> {
    this.server = createServer({ key: this.o.key, cert: this.o.cert }, (req, res) => { void this.handle(req, res); });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The BMC rebooted: every session token is forgotten. */
  dropSessions(): void {
    this.sessions.clear();
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  private rootPath(): string {
    return this.o.profile.root === 'from-slash' ? V1 : `${V1}/`;
  }

  private systemPath(s: EmulatedSystem): string {
    return `${V1}/Systems/${s.id}`;
  }

  private authorised(req: IncomingMessage): boolean {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') {
      const session = this.sessions.get(token);
      if (session === undefined) return false;
      session.uses++;
      if (this.o.profile.sessionRequests !== undefined && session.uses > this.o.profile.sessionRequests) {
        this.sessions.delete(token); // expired
        return false;
      }
      return true;
    }
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic === null) return false;
    const text = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return this.accounts.some((a) => a.user === text.slice(0, colon) && a.password === text.slice(colon + 1));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Json;
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] as string;
    this.requests.push(`${method} ${path}`);
    const send = (status: number, json?: Json, headers: Record<string, string> = {}): void => {
      const text = json === undefined ? undefined : JSON.stringify(json);
      res.writeHead(status, { 'OData-Version': '4.0', ...(text === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers });
      res.end(text);
    };
    const error = (status: number, messageId: string, message: string): void =>
      send(status, { error: { code: messageId, message, '@Message.ExtendedInfo': [{ '@odata.type': '#Message.v1_1_1.Message', MessageId: messageId, Message: message, Severity: 'Warning' }] } });
    try {
      body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
    } catch {
      return error(400, 'Base.1.8.MalformedJSON', 'the request body is not JSON');
    }

    // The service root, and its redirect (either direction), need no credentials.
    const root = this.rootPath();
    if (method === 'GET' && (path === V1 || path === `${V1}/`)) {
      if (path !== root && this.o.profile.root !== 'plain') return send(308, undefined, { Location: root });
      return send(200, this.serviceRoot());
    }
    if (method === 'GET' && path === '/redfish') return send(200, { v1: `${V1}/` });
    if (method === 'GET' && path === `${V1}/odata`) return send(200, { value: [] });
    if (method === 'POST' && path === `${V1}/SessionService/Sessions` && this.o.profile.sessions !== 'none') return this.login(body, send, error);
    if (!this.authorised(req)) return error(401, 'Base.1.8.NoValidSession', 'no valid session or credentials');

    const resource = this.resource(path, method === 'GET');
    if (method === 'GET') return resource === undefined ? error(404, 'Base.1.8.ResourceMissingAtURI', `no resource ${path}`) : send(200, resource, { ETag: etag(resource) });
    if (method === 'DELETE' && path.startsWith(`${V1}/SessionService/Sessions/`)) {
      const id = path.split('/').pop();
      for (const [token, s] of this.sessions) if (s.id === id) this.sessions.delete(token);
      return send(204);
    }
    if (method === 'PATCH') {
      if (resource === undefined) return error(404, 'Base.1.8.ResourceMissingAtURI', `no resource ${path}`);
      const ifMatch = req.headers['if-match'];
      if (ifMatch === undefined && this.o.profile.etag === 'required') return error(428, 'Base.1.8.PreconditionRequired', 'this service requires If-Match on PATCH');
      if (ifMatch !== undefined && ifMatch !== '*' && strip(ifMatch) !== strip(etag(resource))) return error(412, 'Base.1.8.PreconditionFailed', 'the ETag does not match the resource');
      return this.patch(path, body, send, error);
    }
    if (method === 'POST') return this.post(path, body, send, error);
    error(405, 'Base.1.8.OperationNotAllowed', `${method} not allowed on ${path}`);
  }

  private login(body: Json, send: (s: number, j?: Json, h?: Record<string, string>) => void, error: (s: number, id: string, m: string) => void): void {
    if (!this.accounts.some((a) => a.user === body.UserName && a.password === body.Password)) return error(401, 'Base.1.8.NoValidSession', 'bad credentials');
    const id = String(++this.sessionCounter);
    const token = createHash('sha256').update(`${id}-${Math.random()}`).digest('hex').slice(0, 32);
    this.sessions.set(token, { id, uses: 0 });
    this.logins++;
    const uri = `${V1}/SessionService/Sessions/${id}`;
    send(201, { '@odata.id': uri, '@odata.type': '#Session.v1_3_0.Session', Id: id, Name: 'User Session', UserName: body.UserName },
      { 'X-Auth-Token': token, ...(this.o.profile.sessions === 'no-location' ? {} : { Location: uri }) });
  }

  private serviceRoot(): Json {
    const p = this.o.profile;
    return {
      '@odata.id': this.rootPath(), '@odata.type': '#ServiceRoot.v1_11_0.ServiceRoot', Id: 'RootService', Name: 'Root Service', RedfishVersion: '1.15.0',
      UUID: '92384634-2938-2342-8820-489239905423', Product: `racker emulator (${p.name})`,
      Systems: { '@odata.id': `${V1}/Systems` }, Chassis: { '@odata.id': `${V1}/Chassis` }, Managers: { '@odata.id': `${V1}/Managers` },
      AccountService: { '@odata.id': `${V1}/AccountService` },
      ...(p.sessions === 'none' ? {} : { SessionService: { '@odata.id': `${V1}/SessionService` }, Links: { Sessions: { '@odata.id': `${V1}/SessionService/Sessions` } } }),
    };
  }

  private resource(path: string, read = false): Json | undefined {
    const p = this.o.profile;
    const full = p.inventory === 'full';
    if (path === `${V1}/Systems`) return collection(path, 'ComputerSystem', this.systems.map((s) => this.systemPath(s)));
    if (path === `${V1}/Managers`) return collection(path, 'Manager', this.systems.map((_, i) => `${V1}/Managers/BMC${i + 1}`));
    if (path === `${V1}/Chassis`) return collection(path, 'Chassis', this.systems.map((_, i) => `${V1}/Chassis/Chassis${i + 1}`));
    if (path === `${V1}/SessionService` && p.sessions !== 'none') {
      return { '@odata.id': path, '@odata.type': '#SessionService.v1_1_8.SessionService', Id: 'SessionService', Name: 'Session Service', ServiceEnabled: true, SessionTimeout: 300, Sessions: { '@odata.id': `${path}/Sessions` } };
    }
    if (path === `${V1}/SessionService/Sessions` && p.sessions !== 'none') {
      return collection(path, 'Session', [...this.sessions.values()].map((s) => `${path}/${s.id}`));
    }
    const sessionMatch = /^\/redfish\/v1\/SessionService\/Sessions\/([^/]+)$/.exec(path);
    if (sessionMatch !== null && [...this.sessions.values()].some((s) => s.id === sessionMatch[1])) {
      return { '@odata.id': path, '@odata.type': '#Session.v1_3_0.Session', Id: sessionMatch[1], Name: 'User Session' };
    }
    if (path === `${V1}/AccountService`) {
      return { '@odata.id': path, '@odata.type': '#AccountService.v1_10_0.AccountService', Id: 'AccountService', Name: 'Account Service', ServiceEnabled: true, Accounts: { '@odata.id': `${path}/Accounts` }, Roles: { '@odata.id': `${path}/Roles` } };
    }
    if (path === `${V1}/AccountService/Accounts`) return collection(path, 'ManagerAccount', this.accounts.map((a) => `${path}/${a.id}`));
    const account = this.accounts.find((a) => path === `${V1}/AccountService/Accounts/${a.id}`);
    if (account !== undefined) {
      return { '@odata.id': path, '@odata.type': '#ManagerAccount.v1_8_0.ManagerAccount', Id: account.id, Name: 'User Account', UserName: account.user, RoleId: account.role, Enabled: true, Locked: false, Password: null };
    }
    for (const [i, s] of this.systems.entries()) {
      const sp = this.systemPath(s);
      if (path === sp) return this.system(s, i, read);
      if (path === `${sp}/Settings` && p.bootVia === 'settings') {
        // Like the resource it stands for, with what is pending over what is in force.
        return { '@odata.id': path, '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem', Id: 'Settings', Name: 'Pending settings', Boot: { ...s.boot, ...(s.pending ?? {}) } };
      }
      if (path === `${sp}/EthernetInterfaces`) return collection(path, 'EthernetInterface', [`${path}/NIC.1`]);
      if (path === `${sp}/EthernetInterfaces/NIC.1`) return { '@odata.id': path, '@odata.type': '#EthernetInterface.v1_6_0.EthernetInterface', Id: 'NIC.1', Name: 'NIC', MACAddress: s.nicMac.toUpperCase() };
      if (path === `${sp}/ResetActionInfo`) return { '@odata.id': path, '@odata.type': '#ActionInfo.v1_1_2.ActionInfo', Id: 'ResetActionInfo', Parameters: [{ Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: RESET_TYPES }] };
      const mp = `${V1}/Managers/BMC${i + 1}`;
      if (path === mp) {
        const facts = full ? { FirmwareVersion: '2.81.81.81', Model: 'Emulated BMC 9', Manufacturer: 'racker', UUID: `3f2504e0-4f89-11d3-9a0c-03050000000${i + 1}`, Status: { State: 'Enabled', Health: 'OK' } } : { FirmwareVersion: '', Model: null };
        return { '@odata.id': mp, '@odata.type': '#Manager.v1_10_0.Manager', Id: `BMC${i + 1}`, Name: 'Manager', ManagerType: 'BMC', ...facts, EthernetInterfaces: { '@odata.id': `${mp}/EthernetInterfaces` }, LogServices: { '@odata.id': `${mp}/LogServices` }, Links: { ManagerForServers: [{ '@odata.id': sp }], ManagerForChassis: [{ '@odata.id': `${V1}/Chassis/Chassis${i + 1}` }] },
          Actions: { '#Manager.Reset': { target: `${mp}/Actions/Manager.Reset`, ...(this.managerResetTypes === undefined ? {} : { 'ResetType@Redfish.AllowableValues': this.managerResetTypes }) } } };
      }
      if (path === `${mp}/EthernetInterfaces`) return collection(path, 'EthernetInterface', [`${path}/eth0`]);
      if (path === `${mp}/LogServices`) return collection(path, 'LogService', [`${path}/Sel`]);
      if (path === `${mp}/LogServices/Sel`) {
        return { '@odata.id': path, '@odata.type': '#LogService.v1_3_0.LogService', Id: 'Sel', Name: 'SEL Log', LogEntryType: 'SEL', ...(full ? { MaxNumberOfRecords: 512, OverWritePolicy: 'WrapsWhenFull' } : {}), Entries: { '@odata.id': `${path}/Entries` }, Actions: { '#LogService.ClearLog': { target: `${path}/Actions/LogService.ClearLog` } } };
      }
      if (path === `${mp}/LogServices/Sel/Entries`) {
        return { '@odata.id': path, '@odata.type': '#LogEntryCollection.LogEntryCollection', Name: 'SEL entries', 'Members@odata.count': s.sel.length, Members: s.sel.map((e) => ({ '@odata.id': `${path}/${String(e.Id)}`, '@odata.type': '#LogEntry.v1_6_0.LogEntry', ...e })) };
      }
      if (path === `${mp}/EthernetInterfaces/eth0`) {
        return {
          '@odata.id': path, '@odata.type': '#EthernetInterface.v1_6_0.EthernetInterface', Id: 'eth0', Name: 'BMC NIC', MACAddress: s.managerMac, PermanentMACAddress: s.managerMac,
          ...(full ? {
            IPv4Addresses: [{ Address: `10.0.1.${11 + i}`, SubnetMask: '255.255.255.0', AddressOrigin: 'DHCP', Gateway: '10.0.1.1' }],
            VLAN: { VLANEnable: true, VLANId: 42, VLANPriority: 3 },
          } : { IPv4Addresses: [] }),
        };
      }
      const chassis = chassisResource(this.o.profile, path, `${V1}/Chassis/Chassis${i + 1}`, sp);
      if (chassis !== undefined) return chassis;
    }
    return undefined;
  }

  /** `read`: a GET, which sees (and so ends) a transitional power state. */
  private system(s: EmulatedSystem, i: number, read: boolean): Json {
    const p = this.o.profile;
    const sp = this.systemPath(s);
    let power: string = s.power;
    if (s.passing !== undefined && read) {
      power = s.passing;
      s.passing = undefined;
    }
    return {
      '@odata.id': sp, '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem', Id: s.id, Name: `System ${i + 1}`, UUID: s.uuid, SystemType: 'Physical',
      PowerState: power, PowerRestorePolicy: 'AlwaysOff', Status: { State: 'Enabled', Health: 'OK' },
      ...(p.inventory === 'full' ? {
        Manufacturer: 'racker', Model: 'Emulated Server 1U', SerialNumber: `SN-EMU-${i + 1}`, PartNumber: 'PN-1U-7', SKU: 'SKU-1U-A', AssetTag: `ASSET-${i + 1}`, BiosVersion: '1.14.2',
        MemorySummary: { TotalSystemMemoryGiB: 384, Status: { State: 'Enabled' } }, ProcessorSummary: { Count: 2, Model: 'Emulated CPU 16-core' },
      } : { Manufacturer: 'racker', Model: 'Emulated Blade', SerialNumber: '', SKU: null, MemorySummary: { TotalSystemMemoryGiB: 64 } }),
      ...(p.indicator === 'location-indicator' ? { LocationIndicatorActive: s.locator } : { IndicatorLED: s.locator ? 'Blinking' : 'Off' }),
      Boot: {
        ...s.boot,
        'BootSourceOverrideTarget@Redfish.AllowableValues': BOOT_TARGETS,
        ...(p.bootMode === 'read-only' ? {} : { 'BootSourceOverrideMode@Redfish.AllowableValues': ['UEFI', 'Legacy'] }),
      },
      ...(p.bootVia === 'settings' ? { '@Redfish.Settings': { '@odata.type': '#Settings.v1_3_5.Settings', SettingsObject: { '@odata.id': `${sp}/Settings` } } } : {}),
      EthernetInterfaces: { '@odata.id': `${sp}/EthernetInterfaces` },
      Links: { Chassis: [{ '@odata.id': `${V1}/Chassis/Chassis${i + 1}` }], ManagedBy: [{ '@odata.id': `${V1}/Managers/BMC${i + 1}` }] },
      Actions: { '#ComputerSystem.Reset': { target: `${sp}/Actions/ComputerSystem.Reset`, ...(i % 2 === 0 ? { 'ResetType@Redfish.AllowableValues': RESET_TYPES } : { '@Redfish.ActionInfo': `${sp}/ResetActionInfo` }) } },
    };
  }

  private patch(path: string, body: Json, send: (s: number, j?: Json, h?: Record<string, string>) => void, error: (s: number, id: string, m: string) => void): void {
    const p = this.o.profile;
    const account = this.accounts.find((a) => path === `${V1}/AccountService/Accounts/${a.id}`);
    if (account !== undefined) {
      if (typeof body.Password === 'string') account.password = body.Password;
      return send(204);
    }
    for (const s of this.systems) {
      const sp = this.systemPath(s);
      const boot = body.Boot as Json | undefined;
      const settings = path === `${sp}/Settings`;
      if (path !== sp && !settings) continue;
      if (boot !== undefined) {
        if (p.bootVia === 'settings' && !settings) return error(400, 'Base.1.8.PropertyNotWritable', 'Boot is read-only: change it through @Redfish.Settings');
        if (p.bootMode === 'read-only' && boot.BootSourceOverrideMode !== undefined) return error(400, 'Base.1.8.PropertyNotWritable', 'The property BootSourceOverrideMode is a read only property and cannot be assigned a value.');
        if (p.bootMode === 'required' && boot.BootSourceOverrideMode === undefined && boot.BootSourceOverrideTarget !== undefined) return error(400, 'Base.1.8.PropertyMissing', 'The property BootSourceOverrideMode is a required property and must be included in the request.');
        if (boot.BootSourceOverrideTarget !== undefined && !BOOT_TARGETS.includes(boot.BootSourceOverrideTarget as string)) return error(400, 'Base.1.8.PropertyValueNotInList', 'BootSourceOverrideTarget not allowed');
        if (boot.BootSourceOverrideMode !== undefined && !['UEFI', 'Legacy'].includes(boot.BootSourceOverrideMode as string)) return error(400, 'Base.1.8.PropertyValueNotInList', 'BootSourceOverrideMode not allowed');
        const picked = Object.fromEntries(Object.entries(boot).filter(([k]) => k.startsWith('BootSourceOverride')));
        if (this.ignoreBootOverride) { /* answered 200 below, changed nothing */ } else if (settings) s.pending = { ...(s.pending ?? {}), ...picked };
        else s.boot = { ...s.boot, ...picked };
      }
      if (!settings && typeof body.LocationIndicatorActive === 'boolean' && p.indicator === 'location-indicator') s.locator = body.LocationIndicatorActive;
      if (!settings && typeof body.IndicatorLED === 'string') s.locator = body.IndicatorLED !== 'Off';
      return send(200, this.resource(path));
    }
    error(405, 'Base.1.8.OperationNotAllowed', `PATCH not allowed on ${path}`);
  }

  private post(path: string, body: Json, send: (s: number, j?: Json, h?: Record<string, string>) => void, error: (s: number, id: string, m: string) => void): void {
    const cleared = this.systems.find((_, i) => path === `${V1}/Managers/BMC${i + 1}/LogServices/Sel/Actions/LogService.ClearLog`);
    if (cleared !== undefined) {
      cleared.sel = [];
      return send(204);
    }
    const restarted = this.systems.find((_, i) => path === `${V1}/Managers/BMC${i + 1}/Actions/Manager.Reset`);
    if (restarted !== undefined) {
      const type = body.ResetType as string;
      if (!(this.managerResetTypes ?? ['GracefulRestart', 'ForceRestart']).includes(type)) return error(400, 'Base.1.8.ActionParameterNotSupported', `ResetType ${type} not supported`);
      restarted.managerResets.push(type);
      send(204);
      this.dropSessions(); // the BMC restarts: its sessions are gone
      return;
    }
    const s = this.systems.find((x) => path === `${this.systemPath(x)}/Actions/ComputerSystem.Reset`);
    if (s === undefined) return error(405, 'Base.1.8.OperationNotAllowed', `POST not allowed on ${path}`);
    const type = body.ResetType as string;
    if (!RESET_TYPES.includes(type)) return error(400, 'Base.1.8.ActionParameterNotSupported', `ResetType ${type} not supported`);
    const wantOff = type === 'ForceOff' || type === 'GracefulShutdown';
    const redundant = (type === 'On' && s.power === 'On') || (wantOff && s.power === 'Off') || (!wantOff && type !== 'On' && s.power === 'Off');
    if (redundant && this.o.profile.redundantPower === 'conflict-409') return error(409, 'Base.1.8.ResourceInStandby', `the system is already ${s.power}`);
    if (redundant && this.o.profile.redundantPower === 'invalid-state-400') return error(400, 'iLO.2.14.InvalidOperationForSystemState', 'The operation is not allowed in the current system power state.');
    s.resets.push(type);
    const before = s.power;
    s.power = wantOff ? 'Off' : 'On';
    if (s.power === 'On' && (before === 'Off' || type !== 'On') && s.pending !== undefined) {
      // A (re)boot applies the pending settings.
      s.boot = { ...s.boot, ...s.pending };
      s.pending = undefined;
    }
    if (this.o.profile.transitions && before !== s.power) s.passing = s.power === 'On' ? 'PoweringOn' : 'PoweringOff';
    send(204);
  }
}

/** A weak ETag over what a PATCH can change (the power state is not part of it, as on most BMCs). */
function etag(resource: Json): string {
  const { PowerState: _power, ...rest } = resource;
  return `W/"${createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16)}"`;
}

const strip = (tag: string): string => tag.replace(/^W\//, '');
