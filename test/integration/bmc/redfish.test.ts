/**
 * The Redfish driver's transport and failure handling over real HTTPS: certificates made by
 * openssl (self-signed, and a leaf issued by a private CA), the fingerprint an operator pins as
 * `openssl x509 -fingerprint -sha256` prints it; hostile answers from small servers of our own.
 * Behaviour per vendor profile is in redfish-profiles.test.ts.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RedfishBmcClient, type RedfishOptions } from '../../../agent/bmc/redfish/driver.js';
import { MAX_BODY_BYTES } from '../../../agent/bmc/redfish/client.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import type { BmcTarget } from '../../../agent/bmc/bmc-client.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { ErrorCodes } from '../../../agent/lib/errors.js';
import { RedfishEmulator } from '../../lib/redfish-emulator.js';
import { profile } from '../../lib/redfish-profiles.js';
import { caIssuedCertificate, selfSignedCertificate, type BmcCertificate } from '../../lib/bmc-certificates.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const USER = 'root';
const PASSWORD = 'Redfish-Pa55';
type Failure = { code: string; message: string; hint?: string };
const failure = (p: Promise<unknown>): Promise<Failure | undefined> => p.then(() => undefined, (x: unknown) => x as Failure);

describe('Redfish driver: TLS, sessions and hostile answers', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let selfSigned: BmcCertificate;
  let caIssued: BmcCertificate;
  const emulators: RedfishEmulator[] = [];
  const servers: Server[] = [];
  const clients: RedfishBmcClient[] = [];

  const emulate = async (name = 'dmtf', cert = selfSigned): Promise<RedfishEmulator> => {
    const e = await new RedfishEmulator({ profile: profile(name), key: cert.key, cert: cert.chain, user: USER, password: PASSWORD }).start();
    emulators.push(e);
    return e;
  };
  /** A server of our own for answers no profile gives. */
  const serve = async (handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> => {
    const s = createServer({ key: selfSigned.key, cert: selfSigned.chain }, handle);
    servers.push(s);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return (s.address() as { port: number }).port;
  };
  const client = (port: number, o: Partial<RedfishOptions> = {}, t: Partial<BmcTarget> = {}): RedfishBmcClient => {
    const c = new RedfishBmcClient({ node: 'node-9', address: '127.0.0.1', port, user: USER, password: PASSWORD, oemDir: '/srv/oem', ...t },
      { verifyTls: true, tlsFingerprint: selfSigned.fingerprint, useSessions: true, timeoutMs: 3000, ...o }, { fanout: new Semaphore(4), log: silentLogger() });
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = await makeTempDir('racker-redfish-');
    selfSigned = await selfSignedCertificate(dir);
    caIssued = await caIssuedCertificate(dir);
  });

  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(emulators.map((e) => e.stop()));
    for (const s of servers) s.closeAllConnections();
    await Promise.allSettled(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await removeTempDir(dir);
  });

  it('verifies TLS by default and refuses a self-signed certificate, saying how to pin it', async () => {
    const e = await emulate();
    const f = await failure(client(e.port, { tlsFingerprint: undefined }).powerState());
    expect(f?.code).to.equal('RACKER_E_BMC');
    expect(f?.message).to.include('certificate not trusted');
    expect(f?.hint).to.include('tlsFingerprint');
    expect(e.requests).to.deep.equal([]); // no request, and so no credentials, reached the server
  });

  it('refuses a certificate that does not match the pin, before any request', async () => {
    const e = await emulate();
    const wrong = selfSigned.fingerprint.replace(/^../, selfSigned.fingerprint.startsWith('00') ? '11' : '00');
    const f = await failure(client(e.port, { tlsFingerprint: wrong }).powerState());
    expect(f?.message).to.include('not the pinned');
    expect(e.requests).to.deep.equal([]);
  });

  it('accepts a CA-issued leaf by its pinned fingerprint, and refuses the CA\'s own fingerprint', async () => {
    const e = await emulate('dmtf', caIssued);
    expect(await client(e.port, { tlsFingerprint: caIssued.fingerprint }).powerState()).to.equal('off');
    const caPin = (await selfSignedCertificate(dir as string)).fingerprint; // any certificate but the leaf
    expect((await failure(client(e.port, { tlsFingerprint: caPin }).powerState()))?.message).to.include('not the pinned');
  });

  it('catches a BMC that answers 200 and ignores the boot override', async () => {
    const e = await emulate();
    e.ignoreBootOverride = true;
    const f = await failure(client(e.port).setBootDevice({ device: 'pxe', persistent: true, efi: true }));
    expect(f?.code).to.equal('RACKER_E_BMC');
    expect(f?.message).to.include('asked for boot device pxe, the BMC reports none');
  });

  it('reports a wrong password with the configured OEM files in the hint, and a 403 as missing privilege, not a wrong password', async () => {
    const e = await emulate();
    const wrong = await failure(client(e.port, {}, { password: 'Not-It-123' }).powerOff());
    expect(wrong?.code).to.equal('RACKER_E_BMC_AUTH');
    expect(wrong?.hint).to.include('/srv/oem/ipmi_user and /srv/oem/ipmi_password');
    expect(`${wrong?.message} ${wrong?.hint}`).not.to.include('Not-It-123');
    const port = await serve((req, res) => {
      res.writeHead(req.url === '/redfish/v1/' ? 200 : 403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(req.url === '/redfish/v1/' ? { Systems: { '@odata.id': '/redfish/v1/Systems' } } : { error: { message: 'insufficient privilege' } }));
    });
    const denied = await failure(client(port).powerOff());
    expect(denied?.code).to.equal('RACKER_E_BMC');
    expect(denied?.message).to.include('HTTP 403').and.include('lacks the privilege').and.not.include('wrong user name');
  });

  it('logs in again once when the BMC forgets the session, and says so only if the fresh one is refused too', async () => {
    const e = await emulate();
    const c = client(e.port);
    await c.powerOn();
    e.dropSessions();
    await c.powerOff();
    expect(e.logins).to.equal(2);
    expect(e.node.power).to.equal('Off');
  });

  it('follows a redirect of the service root within the BMC, never to another origin', async () => {
    const e = await emulate('mode-required'); // /redfish/v1/ → 308 /redfish/v1
    expect(await client(e.port).ping()).to.equal(true);
    expect(e.requests.slice(0, 2)).to.deep.equal(['GET /redfish/v1/', 'GET /redfish/v1']);
    const port = await serve((_req, res) => {
      res.writeHead(308, { Location: 'https://127.0.0.2:8443/redfish/v1/' });
      res.end();
    });
    const f = await failure(client(port).powerState());
    expect(f?.message).to.include('another origin (https://127.0.0.2:8443); not followed');
  });

  it('ends an answer larger than the bound instead of buffering it (a hostile BMC)', async () => {
    let written = 0;
    const port = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const more = (): void => {
        while (written < 64 * MAX_BODY_BYTES && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('close', () => { written = Math.max(written, 0); });
      more();
    });
    const f = await failure(client(port).powerState());
    expect(f?.message).to.include(`larger than ${MAX_BODY_BYTES} bytes`);
    expect(written).to.be.below(8 * MAX_BODY_BYTES); // the server was stopped long before it was done
  });

  it('refuses a system whose power state is missing or not Redfish\'s, instead of reading it as off', async () => {
    let power: unknown = 'Sideways';
    const port = await serve((req, res) => {
      const bodies: Record<string, unknown> = {
        '/redfish/v1/': { Systems: { '@odata.id': '/redfish/v1/Systems' } },
        '/redfish/v1/Systems': { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }] },
        '/redfish/v1/Systems/1': { '@odata.id': '/redfish/v1/Systems/1', Id: '1', ...(power === undefined ? {} : { PowerState: power }), Boot: { BootSourceOverrideTarget: 'Pxe' } },
      };
      const body = bodies[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    });
    const c = client(port, { useSessions: false });
    const f = await failure(c.powerState());
    expect(f?.code).to.equal(ErrorCodes.bmc);
    expect(f?.message).to.include('node node-9: BMC 127.0.0.1:');
    expect(f?.message).to.include('the Redfish resource /redfish/v1/Systems/1 is malformed: PowerState: ');
    expect(f?.hint).to.include('driver: ipmi');
    power = undefined;
    expect((await failure(c.powerOn()))?.message).to.match(/PowerState: /);
    power = 'Off';
    expect(await c.powerState()).to.equal('off');
  });

  it('refuses a malformed manager, NIC, sensor or log entry over real HTTP, naming the BMC, the URL and the field', async () => {
    const V1 = '/redfish/v1';
    const bodies: Record<string, unknown> = {
      [`${V1}/`]: { Systems: { '@odata.id': `${V1}/Systems` } },
      [`${V1}/Systems`]: { Members: [{ '@odata.id': `${V1}/Systems/1` }] },
      [`${V1}/Systems/1`]: { PowerState: 'On', Links: { ManagedBy: [{ '@odata.id': `${V1}/Managers/1` }], Chassis: [{ '@odata.id': `${V1}/Chassis/1` }] } },
      [`${V1}/Managers/1`]: { FirmwareVersion: 281, EthernetInterfaces: { '@odata.id': `${V1}/Managers/1/EthernetInterfaces` }, LogServices: { '@odata.id': `${V1}/Managers/1/LogServices` } },
      [`${V1}/Chassis/1`]: { Sensors: { '@odata.id': `${V1}/Chassis/1/Sensors` } },
      [`${V1}/Chassis/1/Sensors`]: { Members: [{ '@odata.id': `${V1}/Chassis/1/Sensors/T` }] },
      [`${V1}/Chassis/1/Sensors/T`]: { Name: 'T', ReadingType: 'Temperature', Reading: '40 C' },
    };
    const port = await serve((req, res) => {
      const body = bodies[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    });
    const c = client(port, { useSessions: false });
    const mc = await failure(c.mcInfo());
    expect(mc?.code).to.equal(ErrorCodes.bmc);
    expect(mc?.message).to.match(/^node node-9: BMC 127\.0\.0\.1:\d+: mc info: the Redfish resource \/redfish\/v1\/Managers\/1 is malformed: FirmwareVersion: /);
    const sensors = await failure(c.sensors());
    expect(sensors?.message).to.include('the Redfish resource /redfish/v1/Chassis/1/Sensors/T is malformed: Reading: ');
    expect(await c.powerState()).to.equal('on'); // the system itself is well formed
  });

  it('retries a PATCH refused for a stale ETag once, with the ETag read again, and says so; a second refusal is final', async () => {
    const V1 = '/redfish/v1';
    let reads = 0;
    let refuseAlways = false;
    const patches: string[] = [];
    const boot = { BootSourceOverrideTarget: 'None', BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideMode: 'UEFI' };
    const port = await serve((req, res) => {
      const reply = (status: number, body: unknown, etag?: string): void => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...(etag === undefined ? {} : { ETag: etag }) });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'PATCH') {
        patches.push(String(req.headers['if-match']));
        let text = '';
        req.on('data', (c: Buffer) => { text += c.toString(); });
        req.on('end', () => {
          if (refuseAlways || req.headers['if-match'] !== '"2"') return reply(412, { error: { code: 'Base.1.8.PreconditionFailed', message: 'stale' } });
          Object.assign(boot, (JSON.parse(text) as { Boot: object }).Boot);
          reply(200, {});
        });
        return;
      }
      if (req.url === `${V1}/`) return reply(200, { Systems: { '@odata.id': `${V1}/Systems` } });
      if (req.url === `${V1}/Systems`) return reply(200, { Members: [{ '@odata.id': `${V1}/Systems/1` }] });
      // The first read hands out an ETag the BMC changes right after (as when it updates the resource itself).
      if (req.url === `${V1}/Systems/1`) return reply(200, { PowerState: 'Off', Boot: boot }, ++reads === 1 ? '"1"' : '"2"');
      reply(404, {});
    });
    const c = client(port, { useSessions: false });
    const set = await c.setBootDevice({ device: 'pxe', persistent: true, efi: true });
    expect(set.readBack.device).to.equal('pxe');
    expect(patches).to.deep.equal(['"1"', '"2"']);
    expect(await c.detectQuirks()).to.include('ETag required (412 for a stale one)');
    refuseAlways = true;
    patches.length = 0;
    const f = await failure(c.setBootDevice({ device: 'disk', persistent: true, efi: true }));
    expect(f?.message).to.include('HTTP 412: stale');
    expect(patches).to.have.length(2); // one retry, not a loop
  });

  it('among several systems and no matching MAC, uses the first and names them all', async () => {
    const e = await emulate('multi-system');
    const c = client(e.port, {}, { bmcMac: '02:00:00:00:00:99', hostMacs: ['02:00:00:00:00:98'] });
    expect(await c.powerState()).to.equal('off');
    const quirks = (await c.detectQuirks()).join('\n');
    expect(quirks).to.include('several systems, none matched: using /redfish/v1/Systems/Blade1');
    for (const s of e.systems) expect(quirks).to.include(s.uuid);
  });

  it('picks the system with the pinned UUID among several', async () => {
    const e = await emulate('multi-system');
    const c = client(e.port, {}, { systemUuid: e.systems[2]?.uuid });
    await c.powerOn();
    expect(e.systems.map((s) => s.power)).to.deep.equal(['Off', 'Off', 'On']);
  });

  it('reports a closed port as unreachable', async () => {
    expect(await client(1, { tlsFingerprint: undefined, timeoutMs: 1000 }).ping()).to.equal(false);
  });
});
