/**
 * The Redfish driver against every vendor profile of the emulator (test/lib/redfish-profiles.ts),
 * over real HTTPS with a pinned certificate (self-signed, or CA-issued), through the same
 * runAction the CLI uses. Every row asserts racker's answer and the emulator's state.
 */
import { expect } from 'chai';
import { RedfishBmcClient } from '../../../agent/bmc/redfish/driver.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { runAction, type ActionValue } from '../../../agent/bmc/actions.js';
import type { BmcTarget } from '../../../agent/bmc/bmc-client.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { RedfishEmulator, emulatorMacs } from '../../lib/redfish-emulator.js';
import { PROFILES, type VendorProfile } from '../../lib/redfish-profiles.js';
import { caIssuedCertificate, selfSignedCertificate, type BmcCertificate } from '../../lib/bmc-certificates.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const USER = 'root';
const PASSWORD = 'Redfish-Pa55';

interface Rig {
  bmc: RedfishEmulator;
  client: (password?: string) => RedfishBmcClient;
}

type Step = (r: Rig, c: RedfishBmcClient) => Promise<void>;

const power = (v: ActionValue): string => (v.kind === 'power' ? v.power : `not power: ${v.kind}`);

/** The rows: one operation each, run in order on one emulator per profile (state carries over). */
const ROWS: Array<[string, Step]> = [
  ['power status', async ({ bmc }, c) => {
    expect(power(await runAction(c, { kind: 'power', op: 'status' }))).to.equal('off');
    expect(bmc.node.power).to.equal('Off');
  }],
  ['power on', async ({ bmc }, c) => {
    const v = await runAction(c, { kind: 'power', op: 'on' });
    expect(power(v)).to.equal('on');
    expect(bmc.node.power).to.equal('On');
    expect(bmc.node.resets).to.deep.equal(['On']);
    if (bmc.profile.transitions) expect(v).to.deep.include({ transition: 'powering-on' });
  }],
  ['power on again: nothing sent', async ({ bmc }, c) => {
    expect(power(await runAction(c, { kind: 'power', op: 'on' }))).to.equal('on');
    expect(bmc.node.resets).to.deep.equal(['On']);
  }],
  ['power on when a stale read says off: an "already on" answer is success', async ({ bmc }, c) => {
    bmc.node.passing = 'Off';
    expect(power(await runAction(c, { kind: 'power', op: 'on' }))).to.equal('on');
    expect(bmc.node.power).to.equal('On');
    // A profile that refuses redundant requests sent nothing more; one that accepts them took one more On.
    expect(bmc.node.resets).to.deep.equal(bmc.profile.redundantPower === 'accepted' ? ['On', 'On'] : ['On']);
  }],
  ['power off', async ({ bmc }, c) => {
    const before = bmc.node.resets.length;
    expect(power(await runAction(c, { kind: 'power', op: 'off' }))).to.equal('off');
    expect(bmc.node.power).to.equal('Off');
    expect(bmc.node.resets.slice(before)).to.deep.equal(['ForceOff']);
  }],
  ['power off again: nothing sent', async ({ bmc }, c) => {
    const before = bmc.node.resets.length;
    await runAction(c, { kind: 'power', op: 'off' });
    expect(bmc.node.resets.length).to.equal(before);
  }],
  ['power cycle while off: powered on', async ({ bmc }, c) => {
    const before = bmc.node.resets.length;
    expect(power(await runAction(c, { kind: 'power', op: 'cycle' }))).to.equal('on');
    expect(bmc.node.resets.slice(before)).to.deep.equal(['On']);
  }],
  ['power cycle while on', async ({ bmc }, c) => {
    const before = bmc.node.resets.length;
    expect(power(await runAction(c, { kind: 'power', op: 'cycle' }))).to.equal('on');
    expect(bmc.node.resets.slice(before)).to.deep.equal(['PowerCycle']);
    expect(bmc.node.power).to.equal('On');
  }],
  ['bootdev pxe persistent UEFI', async ({ bmc }, c) => {
    const v = await runAction(c, { kind: 'bootdev', device: 'pxe', persistent: true, efi: true });
    expect(v.kind === 'bootdev' && v.result.mismatches).to.deep.equal([]);
    const where = bmc.profile.bootVia === 'settings' ? bmc.node.pending : bmc.node.boot;
    expect(where).to.deep.include({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous' });
    expect(bmc.node.boot.BootSourceOverrideMode).to.equal('UEFI'); // unchanged, so never sent
  }],
  ['bootdev pxe once legacy', async ({ bmc }, c) => {
    const v = await runAction(c, { kind: 'bootdev', device: 'pxe', persistent: false, efi: false });
    if (v.kind !== 'bootdev') throw new Error(v.kind);
    const where = bmc.profile.bootVia === 'settings' ? bmc.node.pending : bmc.node.boot;
    expect(where).to.deep.include({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' });
    if (bmc.profile.bootMode === 'read-only') {
      // The BMC keeps its mode: racker says so instead of failing the whole override.
      expect(bmc.node.boot.BootSourceOverrideMode).to.equal('UEFI');
      expect(v.result.mismatches).to.deep.equal(['efi']);
    } else {
      expect(where).to.deep.include({ BootSourceOverrideMode: 'Legacy' });
      expect(v.result.mismatches).to.deep.equal([]);
    }
  }],
  ['bootdev disk persistent UEFI, applied by a power cycle where settings are pending', async ({ bmc }, c) => {
    const v = await runAction(c, { kind: 'bootdev', device: 'disk', persistent: true, efi: true });
    if (v.kind !== 'bootdev') throw new Error(v.kind);
    expect(v.result.readBack).to.deep.include({ device: 'disk', persistent: true });
    await runAction(c, { kind: 'power', op: 'cycle' });
    expect(bmc.node.boot).to.deep.include({ BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideMode: 'UEFI' });
    expect(bmc.node.pending).to.equal(undefined);
  }],
  ['identify on, off, and for a while', async ({ bmc }, c) => {
    await runAction(c, { kind: 'identify', seconds: 30 });
    expect(bmc.node.locator).to.equal(true);
    expect((await c.chassisStatus()).identify).to.equal('temporary');
    await runAction(c, { kind: 'identify', seconds: 0 });
    expect(bmc.node.locator).to.equal(false);
    await runAction(c, { kind: 'identify', seconds: 1 });
    expect(bmc.node.locator).to.equal(true);
    await c.close(); // waits for the light to go off again, as asked
    expect(bmc.node.locator).to.equal(false);
  }],
  ['sensors', async ({ bmc }, c) => {
    const v = await runAction(c, { kind: 'sensors' });
    if (v.kind !== 'sensors') throw new Error(v.kind);
    const got = v.sensors.map((s) => [s.name, s.type, s.value, s.status]);
    const fan = ['Fan1', 'fan', 5400, 'ok'];
    const temperature = ['CPU1 Temp', 'temperature', 40, 'ok'];
    const volts = ['12V', 'voltage', 12, 'warning'];
    expect(got).to.deep.equal(bmc.profile.thermal === 'sensors' ? [temperature, fan, volts] : bmc.profile.thermal === 'thermal-subsystem' ? [temperature, fan] : [temperature, fan, volts]);
  }],
  ['users, and a password change the BMC then takes', async ({ bmc, client }, c) => {
    const v = await runAction(c, { kind: 'users' });
    if (v.kind !== 'users') throw new Error(v.kind);
    // Account Ids that are user names are numbered by their place in the list.
    const [rootId, operatorId] = bmc.profile.accountIds === 'names' ? [1, 2] : [2, 3];
    expect(v.users).to.deep.equal([{ id: rootId, name: USER, enabled: true, privilege: 'administrator' }, { id: operatorId, name: 'operator', enabled: true, privilege: 'operator' }]);
    await c.setUserPassword(operatorId, 'Rotated-Pa55');
    expect(bmc.requests).to.include(`PATCH /redfish/v1/AccountService/Accounts/${bmc.profile.accountIds === 'names' ? 'operator' : '3'}`);
    expect(bmc.accounts[1]?.password).to.equal('Rotated-Pa55');
    expect(bmc.accounts[0]?.password).to.equal(PASSWORD);
    expect(await client().powerState()).to.equal('on');
  }],
  ['wrong password: RACKER_E_BMC_AUTH, nothing changed', async ({ bmc, client }) => {
    const resets = bmc.node.resets.length;
    const e = await client('Wrong-Pa55').powerOff().then(() => undefined, (x: unknown) => x as { code: string; message: string; hint: string });
    expect(e?.code).to.equal('RACKER_E_BMC_AUTH');
    expect(`${e?.message} ${e?.hint}`).not.to.include('Wrong-Pa55');
    expect(e?.hint).to.include('/oem-under-test/ipmi_user');
    expect(bmc.node.resets.length).to.equal(resets);
    expect(bmc.node.power).to.equal('On');
  }],
  ['session dropped by the BMC: one fresh login, the operation succeeds', async ({ bmc }, c) => {
    await c.powerState();
    const logins = bmc.logins;
    bmc.dropSessions();
    expect(power(await runAction(c, { kind: 'power', op: 'off' }))).to.equal('off');
    expect(bmc.node.power).to.equal('Off');
    expect(bmc.logins).to.equal(bmc.profile.sessions === 'none' ? 0 : logins + 1);
    await c.close();
    expect(bmc.openSessions).to.equal(0); // deleted on close, Location header or not
  }],
];

describe('Redfish driver against every vendor profile of the emulator', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let selfSigned: BmcCertificate;
  let caIssued: BmcCertificate;

  before(async () => {
    dir = await makeTempDir('racker-redfish-profiles-');
    selfSigned = await selfSignedCertificate(dir);
    caIssued = await caIssuedCertificate(dir);
  });
  after(async () => removeTempDir(dir));

  for (const profile of PROFILES) {
    describe(`profile ${profile.name}`, () => {
      let rig: Rig;
      let main: RedfishBmcClient;
      const clients: RedfishBmcClient[] = [];

      before(async () => {
        const cert = profile.certificate === 'ca-issued' ? caIssued : selfSigned;
        const bmc = await new RedfishEmulator({ profile, key: cert.key, cert: cert.chain, user: USER, password: PASSWORD }).start();
        const client = (password = PASSWORD): RedfishBmcClient => {
          const c = new RedfishBmcClient(targetFor(profile, bmc.port, password), { verifyTls: true, tlsFingerprint: cert.fingerprint, useSessions: true, timeoutMs: 5000 },
            { fanout: new Semaphore(4), log: silentLogger() });
          clients.push(c);
          return c;
        };
        rig = { bmc, client };
        main = client();
      });
      after(async () => {
        await Promise.allSettled(clients.map((c) => c.close()));
        await rig.bmc.stop();
      });

      for (const [name, step] of ROWS) it(name, async () => step(rig, main));

      it('diag names what racker detected and adapts to, and other systems were never touched', async () => {
        const v = await runAction(rig.client(), { kind: 'diag' });
        if (v.kind !== 'diag') throw new Error(v.kind);
        expect(v.errors).to.deep.equal([]);
        const expected: string[] = [
          ...(profile.etag === 'required' ? ['ETag required (428 without If-Match)'] : []),
          ...(profile.bootMode === 'read-only' ? ['boot mode read-only'] : []),
          ...(profile.bootMode === 'required' ? ['boot mode required in every boot PATCH'] : []),
          ...(profile.bootVia === 'settings' ? ['boot via settings resource'] : []),
          ...(profile.indicator === 'indicator-led' ? ['no LocationIndicatorActive: identify uses IndicatorLED'] : []),
        ];
        for (const q of expected) expect(v.quirks).to.include(q);
        if (profile.systems > 1) expect(v.quirks.join('\n')).to.include(`chose /redfish/v1/Systems/Blade2 by BMC MAC ${emulatorMacs(1).bmc}`);
        for (const other of rig.bmc.systems.filter((s) => s !== rig.bmc.node)) expect([other.power, other.resets, other.boot.BootSourceOverrideTarget]).to.deep.equal(['Off', [], 'None']);
      });
    });
  }
});

function targetFor(profile: VendorProfile, port: number, password: string): BmcTarget {
  const node = profile.systems === 1 ? 0 : 1;
  return { node: 'node-2', address: '127.0.0.1', port, user: USER, password, oemDir: '/oem-under-test', bmcMac: emulatorMacs(node).bmc, hostMacs: [emulatorMacs(node).nic] };
}
