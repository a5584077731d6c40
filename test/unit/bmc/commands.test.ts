/** IPMI request encoding and response decoding, checked byte by byte against the specification. */
import { expect } from 'chai';
import * as cmd from '../../../agent/bmc/ipmi/commands.js';
import { checksum, decodeResponse, encodeRequest } from '../../../agent/bmc/ipmi/message.js';
import { decodeOpenSessionResponse, decodeRakp2, encodeOpenSessionRequest, encodeRakp1 } from '../../../agent/bmc/ipmi/rakp.js';
import { CIPHER_SUITES } from '../../../agent/bmc/ipmi/crypto.js';
import { decodeAsfPong, encodeAsfPing } from '../../../agent/bmc/ipmi/rmcp.js';
import { encodeV15, decodeIpmi } from '../../../agent/bmc/ipmi/packet.js';
import type { BootOverride } from '../../../agent/bmc/bmc-client.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('IPMI messages', () => {
  it('checksums so that the covered bytes sum to zero', () => {
    expect(checksum(Buffer.from([0x20, 0x18]))).to.equal(0xc8);
    expect((0x20 + 0x18 + checksum(Buffer.from([0x20, 0x18]))) & 0xff).to.equal(0);
  });

  it('encodes Get Channel Authentication Capabilities (channel 0x8e, administrator; checksum 0x100 - (0x81+0x38+0x8e+0x04) & 0xff = 0xb5)', () => {
    expect(hex(encodeRequest(cmd.getChannelAuthCaps(4), 0))).to.equal('2018c88100388e04b5');
    expect(hex(encodeV15(encodeRequest(cmd.getChannelAuthCaps(4), 0)))).to.equal('0600ff0700000000000000000009' + '2018c88100388e04b5');
  });

  it('decodes a response and refuses a bad checksum', () => {
    const good = Buffer.from([0x81, 0x1c, 0x63, 0x20, 0x08, 0x01, 0x00, 0x41, 0x10, 0x40, 0x00]);
    good[good.length - 1] = checksum(good.subarray(3, good.length - 1));
    expect(decodeResponse(good)).to.deep.include({ netFn: 0x07, rqSeq: 2, command: 0x01, completionCode: 0 });
    const bad = Buffer.from(good);
    bad[7] = 0x42;
    expect(decodeResponse(bad)).to.equal(undefined);
  });

  it('decodes a v1.5 packet with no authentication', () => {
    const r = decodeIpmi(encodeV15(Buffer.from([1, 2, 3])));
    expect(r.ok && r.version === '1.5' && hex(r.message)).to.equal('010203');
  });
});

describe('RMCP and RAKP payloads', () => {
  it('builds the ASF presence ping and reads the pong', () => {
    expect(hex(encodeAsfPing(7))).to.equal('0600ff06000011be80070000');
    const pong = Buffer.from('0600ff06000011be40070010000011be000000008100000000000000', 'hex');
    expect(decodeAsfPong(pong)).to.deep.equal({ tag: 7, ipmiSupported: true });
  });

  it('builds an Open Session Request proposing the suite\'s algorithms', () => {
    const p = encodeOpenSessionRequest(2, 0x11223344, CIPHER_SUITES[17], 4);
    expect(hex(p)).to.equal('0204000044332211' + '0000000803000000' + '0100000804000000' + '0200000801000000');
  });

  it('reads the short error response ipmi_sim sends for a refused suite', () => {
    expect(decodeOpenSessionResponse(Buffer.from([0x02, 0x04]))).to.deep.equal({ tag: 2, status: 4, consoleSessionId: undefined, bmcSessionId: 0 });
    expect(decodeRakp2(Buffer.from([0x03, 0x0d]), CIPHER_SUITES[3])?.status).to.equal(0x0d);
  });

  it('builds RAKP 1 with the role byte and user name', () => {
    const p = encodeRakp1(3, 0xa0b0c0d0, Buffer.alloc(16, 0xaa), 0x14, 'admin');
    expect(hex(p)).to.equal(`03000000d0c0b0a0${'aa'.repeat(16)}14000005${Buffer.from('admin').toString('hex')}`);
  });
});

describe('chassis and boot option commands', () => {
  it('decodes Get Chassis Status', () => {
    expect(cmd.decodeChassisStatus(Buffer.from([0x01, 0x10, 0x40]))).to.deep.equal({ power: 'on', faults: [], lastPowerEvent: 'power on by IPMI command', intrusion: false, frontPanelLockout: false, driveFault: false, coolingFault: false, identify: 'off', restorePolicy: 'always-off' });
    expect(cmd.decodeChassisStatus(Buffer.from([0x01, 0x00, 0x0e]))).to.deep.include({ frontPanelLockout: true, driveFault: true, coolingFault: true, intrusion: false });
    expect(cmd.decodeChassisStatus(Buffer.from([0x48, 0x00, 0x01]))?.faults).to.deep.equal(['main power fault']);
    expect(cmd.decodeChassisStatus(Buffer.from([0x48, 0x00, 0x01]))?.restorePolicy).to.equal('always-on');
  });

  it('disables the 60 s boot flag timeout as the original did (raw 0x00 0x08 0x03 0x1f)', () => {
    expect(hex(cmd.disableBootFlagTimeout().data)).to.equal('031f');
  });

  const cases: Array<[BootOverride, string]> = [
    [{ device: 'pxe', persistent: true, efi: true }, 'e004000000'],
    [{ device: 'pxe', persistent: false, efi: false }, '8004000000'],
    [{ device: 'disk', persistent: true, efi: true }, 'e008000000'], // the original's "valid, persistent, EFI, disk"
    [{ device: 'bios', persistent: false, efi: true }, 'a018000000'],
    [{ device: 'cdrom', persistent: true, efi: false }, 'c014000000'],
  ];
  for (const [o, data] of cases) {
    it(`encodes boot flags ${o.device} persistent=${o.persistent} efi=${o.efi} as ${data} and reads them back`, () => {
      expect(hex(cmd.setBootFlags(o).data)).to.equal(`05${data}`);
      const back = cmd.decodeBootFlags(Buffer.from(`0105${data}`, 'hex'));
      expect(back).to.deep.include({ valid: true, ...o });
    });
  }

  it('reads ipmi_sim\'s boot flags (device only, flags cleared)', () => {
    expect(cmd.decodeBootFlags(Buffer.from('01050004000000', 'hex'))).to.deep.equal({ valid: false, persistent: false, efi: false, device: 'pxe', raw: '0004000000' });
    expect(cmd.describeBootFlags({ valid: true, persistent: true, efi: true, device: 'disk' })).to.equal('disk, persistent, UEFI');
  });
});

describe('user commands', () => {
  it('pads a password to 16 bytes, or 20 with the 20-byte flag', () => {
    expect(hex(cmd.setUserPassword(3, 'abc').data)).to.equal('0302' + '616263' + '00'.repeat(13));
    expect(hex(cmd.setUserPassword(3, 'a'.repeat(18)).data).slice(0, 4)).to.equal('8302');
    expect(cmd.setUserPassword(3, 'a'.repeat(18)).data.length).to.equal(22);
  });

  it('decodes user access and names', () => {
    expect(cmd.decodeUserAccess(Buffer.from([0x3f, 0x41, 0x00, 0x14]))).to.deep.equal({ maxUsers: 63, enabled: true, privilege: 'administrator', ipmiMessaging: true });
    expect(cmd.decodeUserName(Buffer.from('admin\0\0\0\0\0\0\0\0\0\0\0', 'latin1'))).to.equal('admin');
  });

  it('parses raw bytes in the forms ipmitool accepts', () => {
    expect(cmd.parseRawBytes(['0x00', '8', '0x3', '1f'])).to.deep.equal([0, 8, 3, 0x1f]);
    expect(cmd.parseRawBytes(['0x100'])).to.equal(undefined);
  });
});
