/**
 * The Redfish driver against the fake DMTF service over real HTTPS with a self-signed certificate
 * made by openssl; the pinned fingerprint is what `openssl x509 -fingerprint -sha256` prints.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RedfishBmcClient, type RedfishOptions } from '../../../agent/bmc/redfish/driver.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { FakeRedfish, type FakeRedfishOptions } from '../../lib/fake-redfish.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const run = promisify(execFile);
const USER = 'root';
const PASSWORD = 'Redfish-Pa55';

describe('Redfish driver against a fake DMTF service', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let key: string;
  let cert: string;
  let fingerprint: string;
  const services: FakeRedfish[] = [];
  const clients: RedfishBmcClient[] = [];

  const serve = async (o: Partial<FakeRedfishOptions> = {}): Promise<FakeRedfish> => {
    const s = await new FakeRedfish({ key, cert, user: USER, password: PASSWORD, ...o }).start();
    services.push(s);
    return s;
  };
  const client = (s: FakeRedfish, o: Partial<RedfishOptions> = {}, password = PASSWORD): RedfishBmcClient => {
    const c = new RedfishBmcClient({ node: 'node-9', address: '127.0.0.1', port: s.port, user: USER, password },
      { verifyTls: true, tlsFingerprint: fingerprint, useSessions: true, timeoutMs: 3000, ...o }, { fanout: new Semaphore(4), log: silentLogger() });
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = await makeTempDir('racker-redfish-');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=bmc.example']);
    key = await readFile(join(dir, 'key.pem'), 'utf8');
    cert = await readFile(join(dir, 'cert.pem'), 'utf8');
    const { stdout } = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(dir, 'cert.pem')]);
    fingerprint = stdout.trim().split('=')[1] as string;
  });

  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(services.map((s) => s.stop()));
    await removeTempDir(dir);
  });

  it('verifies TLS by default and refuses a self-signed certificate, saying how to pin it', async () => {
    const s = await serve();
    const e = await client(s, { tlsFingerprint: undefined }).powerState().then(() => undefined, (x: unknown) => x as { code: string; message: string; hint: string });
    expect(e?.code).to.equal('RACKER_E_BMC');
    expect(e?.message).to.include('certificate not trusted');
    expect(e?.hint).to.include('tlsFingerprint');
    expect(s.calls).to.deep.equal([]); // no request, and so no credentials, reached the server
  });

  it('refuses a certificate that does not match the pin', async () => {
    const s = await serve();
    const wrong = fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00');
    const e = await client(s, { tlsFingerprint: wrong }).powerState().then(() => undefined, (x: unknown) => x as Error);
    expect(e?.message).to.include('not the pinned');
    expect(s.calls).to.deep.equal([]);
  });

  it('powers on and cycles with reset types the BMC advertises, in a session it closes', async () => {
    const s = await serve({ resetTypes: ['On', 'ForceOff', 'ForceRestart'] });
    const c = client(s);
    await c.powerCycle(); // off → On
    expect(s.power).to.equal('On');
    await c.powerCycle(); // on → PowerCycle is not offered: ForceRestart
    await c.powerOff();
    expect(s.power).to.equal('Off');
    expect(s.calls.filter((x) => x.startsWith('POST /redfish/v1/Systems'))).to.have.length(3);
    expect(s.calls[0]).to.equal('POST /redfish/v1/SessionService/Sessions');
    await c.close();
    expect(s.calls.at(-1)).to.match(/^DELETE \/redfish\/v1\/SessionService\/Sessions\/1$/);
    const e = await client(s).softOff().then(() => undefined, (x: unknown) => x as { code: string; message: string });
    expect(e?.code).to.equal('RACKER_E_BMC_UNSUPPORTED');
    expect(e?.message).to.include('GracefulShutdown');
  });

  it('sets the boot override and reads it back', async () => {
    const s = await serve();
    const r = await client(s).setBootDevice({ device: 'pxe', persistent: true, efi: true });
    expect(s.boot).to.deep.include({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideMode: 'UEFI' });
    expect(r.mismatches).to.deep.equal([]);
    expect(r.readBack).to.deep.include({ device: 'pxe', persistent: true, efi: true, valid: true });
    await client(s).setBootDevice({ device: 'disk', persistent: false, efi: false });
    expect(s.boot).to.deep.include({ BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'Legacy' });
  });

  it('catches a BMC that answers 200 and ignores the boot override', async () => {
    const s = await serve({ ignoreBootOverride: true });
    const e = await client(s).setBootDevice({ device: 'pxe', persistent: true, efi: true }).then(() => undefined, (x: unknown) => x as { code: string; message: string });
    expect(e?.code).to.equal('RACKER_E_BMC');
    expect(e?.message).to.include('asked for boot device pxe, the BMC reports none');
  });

  it('reads sensors and accounts, changes the password, and uses basic auth where there are no sessions', async () => {
    const s = await serve({ sessions: false });
    const c = client(s);
    expect((await c.sensors()).map((x) => [x.name, x.value, x.status])).to.deep.equal([['CPU Temp', 40, 'ok'], ['Fan1', 5400, 'ok'], ['12V', 12, 'warning']]);
    expect(await c.users()).to.deep.equal([{ id: 1, name: USER, enabled: true, privilege: 'administrator' }]);
    await c.setUserPassword(1, 'Rotated-Pa55');
    expect(s.passwords.get('1')).to.equal('Rotated-Pa55');
    expect(s.calls).not.to.include('DELETE /redfish/v1/SessionService/Sessions/1');
  });

  it('reports wrong credentials as RACKER_E_BMC_AUTH and a closed port as a timeout', async () => {
    const s = await serve();
    const e = await client(s, {}, 'wrong-one').powerState().then(() => undefined, (x: unknown) => x as { code: string; message: string });
    expect(e?.code).to.equal('RACKER_E_BMC_AUTH');
    expect(e?.message).not.to.include('wrong-one');
    const closed = new RedfishBmcClient({ node: 'node-9', address: '127.0.0.1', port: 1, user: USER, password: PASSWORD },
      { verifyTls: true, tlsFingerprint: undefined, useSessions: true, timeoutMs: 1000 }, { fanout: new Semaphore(1), log: silentLogger() });
    expect(await closed.ping()).to.equal(false);
  });
});
