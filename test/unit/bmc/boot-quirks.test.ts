/**
 * The native client against BMCs with documented boot-flag quirks (test/lib/boot-quirk-bmc.ts):
 * a persistent override is read back after every power action and set again when lost, a refused
 * persistent bit falls back to next boot and is renewed the same way, and the 60 s valid-bit
 * timeout is disabled before the flags are set. Also the cipher suite preference.
 */
import { expect } from 'chai';
import { IpmiBmcClient, type IpmiClientOptions } from '../../../agent/bmc/ipmi/lanplus-client.js';
import type { DatagramTransport } from '../../../agent/bmc/ipmi/transport.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { bmcSection } from '../../../agent/config/sections/bmc.js';
import { BootQuirkBmc, type BootQuirkProfile } from '../../lib/boot-quirk-bmc.js';

const target = { node: 'node-4', address: '10.0.0.14', port: 623, user: 'admin', password: 'hunter2-secret' };
const noNetwork: DatagramTransport = { register: () => () => undefined, send: () => Promise.reject(new Error('unit tests send nothing')) };
const PXE = 0x1;

function setup(profile: BootQuirkProfile = {}, o: Partial<IpmiClientOptions> = {}): { client: IpmiBmcClient; bmc: BootQuirkBmc } {
  const bmc = new BootQuirkBmc(profile);
  const client = new IpmiBmcClient(target, { cipherSuites: [3], timeoutMs: 1000, retries: 0, retransmitMs: 100, minCommandIntervalMs: 0, keepAliveMs: 0, ...o },
    { transport: noNetwork, fanout: new Semaphore(2), log: silentLogger(), session: bmc });
  return { client, bmc };
}

describe('native IPMI client and BMC boot-flag quirks', () => {
  it('sets a persistent override again when a power cycle cleared it, and says so', async () => {
    const { client, bmc } = setup({ clearsPersistentOnPowerAction: true });
    await client.powerOn();
    await client.setBootDevice({ device: 'pxe', persistent: true, efi: true });
    await client.powerCycle();
    expect(bmc.device).to.equal(PXE);
    expect(bmc.flags[0]).to.equal(0xe0); // valid, persistent, EFI
    await client.reset();
    expect(bmc.device).to.equal(PXE);
    expect(await client.detectQuirks()).to.include('boot flags cleared by a power action: set again');
  });

  it('leaves a next-boot override consumed by the boot, as asked', async () => {
    const { client, bmc } = setup({ clearsPersistentOnPowerAction: true });
    await client.setBootDevice({ device: 'pxe', persistent: false, efi: true });
    await client.powerCycle();
    expect(bmc.device).to.equal(0);
    expect(await client.detectQuirks()).not.to.include('boot flags cleared by a power action: set again');
  });

  it('falls back to next boot where the persistent bit is refused, and renews it after every power action', async () => {
    const { client, bmc } = setup({ rejectsPersistent: true });
    const r = await client.setBootDevice({ device: 'pxe', persistent: true, efi: true });
    expect(r.mismatches).to.deep.equal(['persistent']);
    expect(bmc.flags[0]).to.equal(0xa0); // valid, next boot, EFI
    await client.powerCycle(); // consumes a next-boot override
    expect(bmc.device).to.equal(PXE);
    const quirks = await client.detectQuirks();
    expect(quirks.join('\n')).to.include('persistent boot flag refused');
  });

  it('disables the 60 s valid-bit timeout before setting the flags (boot option 3, then 5)', async () => {
    const { client, bmc } = setup();
    await client.setBootDevice({ device: 'pxe', persistent: true, efi: true });
    expect(bmc.log.slice(0, 2)).to.deep.equal(['disable the boot flag timeout (boot option 3)', 'set boot device pxe (boot option 5)']);
    bmc.advance(61_000);
    expect(await client.bootFlags()).to.deep.include({ valid: true, device: 'pxe' });

    // The same flags set without boot option 3 lapse: what the test above guards against.
    const { client: other, bmc: bare } = setup();
    await other.raw(0x00, 0x08, Uint8Array.from([0x05, 0xe0, 0x04, 0, 0, 0]));
    bare.advance(61_000);
    expect(await other.bootFlags()).to.deep.include({ valid: false, device: 'pxe' });
  });

  it('prefers cipher suite 17 and falls back to 3, and diag says when it did', async () => {
    expect(bmcSection.parse({}).cipherSuites).to.deep.equal([17, 3]);
    const { client } = setup({}, { cipherSuites: [17, 3] });
    await client.powerState();
    expect(await client.detectQuirks()).to.include('cipher suite 17 refused: using 3');
  });
});
