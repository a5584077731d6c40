/**
 * Is the emulator a Redfish service, or only racker's echo? Two independent clients from Debian,
 * python3-sushy and redfishtool, drive every vendor profile alongside racker: each reads what the
 * others changed, and the emulator's state agrees with all three; fru and mc info read the same
 * asset and manager fields as sushy, and mc reset posts the Manager.Reset sushy posts. Setup installs both clients
 * (scripts/debian-packages.txt), so nothing here is skipped.
 */
import { expect } from 'chai';
import { RedfishBmcClient } from '../../../agent/bmc/redfish/driver.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { RedfishEmulator, emulatorMacs } from '../../lib/redfish-emulator.js';
import { PROFILES } from '../../lib/redfish-profiles.js';
import { caIssuedCertificate, selfSignedCertificate, type BmcCertificate } from '../../lib/bmc-certificates.js';
import { redfishtool, sushy } from '../../lib/independent-redfish-clients.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const USER = 'root';
const PASSWORD = 'Redfish-Pa55';

describe('Redfish emulator cross-checked with sushy and redfishtool', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let certs: Record<'self-signed' | 'ca-issued', BmcCertificate>;

  before(async () => {
    dir = await makeTempDir('racker-redfish-cross-');
    certs = { 'self-signed': await selfSignedCertificate(dir), 'ca-issued': await caIssuedCertificate(dir) };
  });
  after(async () => removeTempDir(dir));

  for (const profile of PROFILES) {
    it(`profile ${profile.name}: racker, sushy and redfishtool see and make the same state`, async () => {
      const cert = certs[profile.certificate];
      const bmc = await new RedfishEmulator({ profile, key: cert.key, cert: cert.chain, user: USER, password: PASSWORD }).start();
      const node = profile.systems === 1 ? 0 : 1;
      const racker = new RedfishBmcClient({ node: 'node-2', address: '127.0.0.1', port: bmc.port, user: USER, password: PASSWORD, bmcMac: emulatorMacs(node).bmc },
        { verifyTls: true, tlsFingerprint: cert.fingerprint, useSessions: true, timeoutMs: 5000 }, { fanout: new Semaphore(2), log: silentLogger() });
      const system = `/redfish/v1/Systems/${bmc.node.id}`;
      const creds = { port: bmc.port, user: USER, password: PASSWORD };
      try {
        // racker changes; sushy and redfishtool read.
        await racker.setBootDevice({ device: 'pxe', persistent: true, efi: true });
        await racker.powerOn(); // also applies a pending settings resource
        expect(await racker.powerState()).to.equal('on'); // (and sees a PoweringOn where the profile reports one)
        expect(bmc.node).to.deep.include({ power: 'On', boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideMode: 'UEFI' } });
        const { facts, managerResets, ...seen } = await sushy({ ...creds, caFile: cert.trustFile, system, ops: [] });
        expect(managerResets, 'sushy finds the Manager.Reset types racker reads').to.deep.equal(['ForceRestart', 'GracefulRestart']);
        expect(seen).to.deep.equal({ power: 'On', target: 'Pxe', enabled: 'Continuous', mode: 'UEFI', uuid: bmc.node.uuid });
        // fru and mc info read what sushy reads (an empty or null value is "not reported").
        const fru = await racker.fru();
        const mc = await racker.mcInfo();
        const given = <T>(v: T | null | undefined): T | undefined => (v === null || v === '' ? undefined : v);
        expect([fru.productSerial, fru.biosVersion, fru.productSku, fru.memoryGiB, mc.firmwareRevision, mc.managerType, mc.model])
          .to.deep.equal([given(facts?.serial), given(facts?.bios), given(facts?.sku), given(facts?.memoryGiB), given(facts?.managerFirmware), given(facts?.managerType), given(facts?.managerModel)]);
        expect(fru.memoryGiB, 'the emulator reports memory on every profile').to.be.a('number');
        const tool = JSON.parse(await redfishtool(creds, 'Systems', '-L', system, 'get')) as { PowerState: string; Boot: Record<string, string> };
        expect([tool.PowerState, tool.Boot.BootSourceOverrideTarget, tool.Boot.BootSourceOverrideEnabled]).to.deep.equal(['On', 'Pxe', 'Continuous']);

        // sushy changes; racker reads. Mode is given where the profile requires it in every boot PATCH.
        await sushy({ ...creds, caFile: cert.trustFile, system, ops: [
          { op: 'boot', target: 'Hdd', enabled: 'Once', ...(profile.bootMode === 'required' ? { mode: 'UEFI' as const } : {}) },
          { op: 'reset', type: 'ForceOff' },
        ] });
        if (profile.bootVia === 'settings') expect(bmc.node.pending).to.deep.include({ BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Once' });
        else expect(bmc.node.boot).to.deep.include({ BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Once' });
        expect(bmc.node.power).to.equal('Off');
        expect(await racker.powerState()).to.equal('off');
        expect(await racker.bootFlags()).to.deep.include({ device: 'disk', persistent: false, efi: true });

        // redfishtool changes; racker reads.
        await redfishtool(creds, 'Systems', '-L', system, 'reset', 'On');
        expect(bmc.node.power).to.equal('On');
        expect(await racker.powerState()).to.equal('on');

        // Accounts: the same list; a password racker sets is the one redfishtool logs in with, and back.
        const listed = JSON.parse(await redfishtool(creds, 'AccountService', 'Accounts', '-a')) as { Members: Array<{ UserName: string; Id: string }> };
        const users = await racker.users();
        expect(users.map((u) => u.name)).to.deep.equal(listed.Members.map((m) => m.UserName));
        await racker.setUserPassword(users.find((u) => u.name === 'operator')?.id as number, 'Set-By-Racker-1');
        expect(JSON.parse(await redfishtool({ ...creds, user: 'operator', password: 'Set-By-Racker-1' }, 'Systems', '-L', system, 'get'))).to.have.property('PowerState', 'On');
        await redfishtool(creds, 'AccountService', 'setpassword', 'operator', 'Set-By-Tool-2');
        expect(bmc.accounts.find((a) => a.user === 'operator')?.password).to.equal('Set-By-Tool-2');

        // The BMC restarts: racker's mc reset cold and sushy's manager reset land as the same action; racker logs in again after.
        expect(await racker.mcReset('cold')).to.deep.equal({ answered: true });
        await sushy({ ...creds, caFile: cert.trustFile, system, ops: [{ op: 'manager-reset', type: 'GracefulRestart' }] });
        expect(bmc.node.managerResets).to.deep.equal(['ForceRestart', 'GracefulRestart']);
        expect(await racker.powerState()).to.equal('on');
      } finally {
        await racker.close();
        await bmc.stop();
      }
    });
  }
});
