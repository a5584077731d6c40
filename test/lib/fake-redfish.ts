/**
 * A fake Redfish BMC over real HTTPS, following the DMTF resource layout (service root, Systems,
 * ComputerSystem.Reset with advertised reset types, Boot override, Chassis Thermal/Power,
 * SessionService, AccountService). It can ignore boot overrides while answering 200, as some real
 * BMCs do. Records every request for assertions.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FakeRedfishOptions {
  key: string;
  cert: string;
  user: string;
  password: string;
  /** Answer 200 to boot overrides and keep the old ones. */
  ignoreBootOverride?: boolean;
  /** Advertised ResetType values (default: the common set without PowerCycle). */
  resetTypes?: string[];
  /** Offer SessionService (default true). */
  sessions?: boolean;
}

type Json = Record<string, unknown>;
const SYSTEM = '/redfish/v1/Systems/1';
const RESET = `${SYSTEM}/Actions/ComputerSystem.Reset`;

export class FakeRedfish {
  readonly calls: string[] = [];
  power: 'On' | 'Off' = 'Off';
  boot: Json = { BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideMode: 'UEFI' };
  indicator = 'Off';
  readonly passwords = new Map<string, string>();
  private readonly tokens = new Set<string>();
  private server: Server | undefined;
  port = 0;

  constructor(private readonly o: FakeRedfishOptions) {
    this.passwords.set('1', o.password);
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

  private authorised(req: IncomingMessage): boolean {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && this.tokens.has(token)) return true;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic === null) return false;
    const [user, pass] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':');
    return user === this.o.user && pass === this.passwords.get('1');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
    const path = (req.url ?? '/').split('?')[0] as string;
    const method = req.method ?? 'GET';
    this.calls.push(`${method} ${path}`);
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const error = (status: number, message: string): void => send(status, { error: { code: 'Base.1.0.GeneralError', message, '@Message.ExtendedInfo': [{ Message: message }] } });

    if (method === 'GET' && path === '/redfish/v1') {
      send(200, { '@odata.id': '/redfish/v1', RedfishVersion: '1.6.0', Systems: { '@odata.id': '/redfish/v1/Systems' }, Chassis: { '@odata.id': '/redfish/v1/Chassis' },
        AccountService: { '@odata.id': '/redfish/v1/AccountService' }, ...(this.o.sessions === false ? {} : { SessionService: { '@odata.id': '/redfish/v1/SessionService' } }) });
      return;
    }
    if (method === 'POST' && path === '/redfish/v1/SessionService/Sessions') {
      if (this.o.sessions === false) return error(404, 'no sessions here');
      if (body.UserName !== this.o.user || body.Password !== this.passwords.get('1')) return error(401, 'bad credentials');
      const token = `tok-${this.tokens.size + 1}`;
      this.tokens.add(token);
      send(201, { Id: String(this.tokens.size) }, { 'X-Auth-Token': token, Location: `/redfish/v1/SessionService/Sessions/${this.tokens.size}` });
      return;
    }
    if (!this.authorised(req)) return error(401, 'authentication required');
    if (method === 'DELETE' && path.startsWith('/redfish/v1/SessionService/Sessions/')) {
      const token = req.headers['x-auth-token'];
      if (typeof token === 'string') this.tokens.delete(token);
      return send(204);
    }
    if (method === 'GET' && path === '/redfish/v1/Systems') return send(200, { Members: [{ '@odata.id': SYSTEM }], 'Members@odata.count': 1 });
    if (method === 'GET' && path === SYSTEM) {
      return send(200, {
        '@odata.id': SYSTEM, Id: '1', PowerState: this.power, IndicatorLED: this.indicator, PowerRestorePolicy: 'AlwaysOff', Status: { Health: 'OK' },
        Boot: { ...this.boot, 'BootSourceOverrideTarget@Redfish.AllowableValues': ['None', 'Pxe', 'Hdd', 'Cd', 'BiosSetup'] },
        Actions: { '#ComputerSystem.Reset': { target: RESET, 'ResetType@Redfish.AllowableValues': this.o.resetTypes ?? ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart'] } },
      });
    }
    if (method === 'PATCH' && path === SYSTEM) {
      if (body.Boot !== undefined && this.o.ignoreBootOverride !== true) this.boot = { ...this.boot, ...(body.Boot as Json) };
      if (typeof body.IndicatorLED === 'string') this.indicator = body.IndicatorLED;
      return send(200, {});
    }
    if (method === 'POST' && path === RESET) {
      const type = body.ResetType as string;
      if (!(this.o.resetTypes ?? ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart']).includes(type)) return error(400, `ResetType ${type} not allowed`);
      this.power = type === 'ForceOff' || type === 'GracefulShutdown' ? 'Off' : 'On';
      return send(204);
    }
    if (method === 'GET' && path === '/redfish/v1/Chassis') return send(200, { Members: [{ '@odata.id': '/redfish/v1/Chassis/1' }] });
    if (method === 'GET' && path === '/redfish/v1/Chassis/1') return send(200, { Thermal: { '@odata.id': '/redfish/v1/Chassis/1/Thermal' }, Power: { '@odata.id': '/redfish/v1/Chassis/1/Power' } });
    if (method === 'GET' && path === '/redfish/v1/Chassis/1/Thermal') {
      return send(200, { Temperatures: [{ Name: 'CPU Temp', ReadingCelsius: 40, Status: { Health: 'OK' } }], Fans: [{ Name: 'Fan1', Reading: 5400, ReadingUnits: 'RPM', Status: { Health: 'OK' } }] });
    }
    if (method === 'GET' && path === '/redfish/v1/Chassis/1/Power') return send(200, { Voltages: [{ Name: '12V', ReadingVolts: 12, Status: { Health: 'Warning' } }] });
    if (method === 'GET' && path === '/redfish/v1/AccountService/Accounts') return send(200, { Members: [{ '@odata.id': '/redfish/v1/AccountService/Accounts/1' }] });
    if (method === 'GET' && path === '/redfish/v1/AccountService/Accounts/1') return send(200, { Id: '1', UserName: this.o.user, Enabled: true, RoleId: 'Administrator' });
    if (method === 'PATCH' && path === '/redfish/v1/AccountService/Accounts/1') {
      if (typeof body.Password === 'string') this.passwords.set('1', body.Password);
      return send(200, {});
    }
    error(404, `no resource ${path}`);
  }
}
