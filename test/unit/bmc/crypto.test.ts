/**
 * Known answers for RMCP+ key exchange and session keys. ipmi_sim refuses cipher suite 17, so its
 * SHA-256 path is checked here against values computed independently with the openssl CLI from the
 * specification's definitions (IPMI v2.0 §13.31–13.32). Reproduce, e.g. the RAKP2 code:
 *
 *   H() { xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt hexkey:$1 | awk '{print $2}'; }
 *   echo 44332211d0c0b0a0<Rm><Rc><GUID>140541444d494e | H 5041535357305244
 *
 * Inputs: password "PASSW0RD", user "ADMIN", role 0x14, console session 0x11223344, BMC session
 * 0xa0b0c0d0 (both little-endian on the wire), Rm = 00..0f, Rc = 10..1f, GUID = 20..2f.
 */
import { expect } from 'chai';
import { CIPHER_SUITES, additionalKey, decryptPayload, deriveSessionKeys, encryptPayload, freshRandom, rakp2AuthCode, rakp3AuthCode, rakp4Icv, sessionIntegrityKey, type RakpInputs } from '../../../agent/bmc/ipmi/crypto.js';
import { decodeIpmi, encodeV20 } from '../../../agent/bmc/ipmi/packet.js';
import { encodeRequest } from '../../../agent/bmc/ipmi/message.js';
import { getChassisStatus } from '../../../agent/bmc/ipmi/commands.js';

const seq = (from: number): Buffer => Buffer.from(Array.from({ length: 16 }, (_, i) => from + i));
const inputs: RakpInputs = {
  consoleSessionId: 0x11223344,
  bmcSessionId: 0xa0b0c0d0,
  consoleRandom: seq(0x00),
  bmcRandom: seq(0x10),
  bmcGuid: seq(0x20),
  role: 0x14,
  user: 'ADMIN',
};
const password = Buffer.from('PASSW0RD');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('RMCP+ crypto, cipher suite 17 (HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128)', () => {
  const s17 = CIPHER_SUITES[17];
  const sik = sessionIntegrityKey(s17, password, inputs);

  it('computes the RAKP2 and RAKP3 key exchange codes', () => {
    expect(hex(rakp2AuthCode(s17, password, inputs))).to.equal('33c4619f5cf389a08c0fa8e79838805be6973592ff642bfc5e37d72faa3b572f');
    expect(hex(rakp3AuthCode(s17, password, inputs))).to.equal('6ed637424b80dc040c8203d02f8952e067acdd0f3f92424422d50a2145018dec');
  });

  it('derives SIK, the RAKP4 integrity check value (16 bytes), K1 and K2', () => {
    expect(hex(sik)).to.equal('36300e8419f8389d222f9011a9f06e8696aedd3cae995e7b94cbafc2d3ba5736');
    expect(hex(rakp4Icv(s17, sik, inputs))).to.equal('a7c41149289b5913853a25e64fc011d1');
    expect(hex(additionalKey(s17, sik, 1))).to.equal('9f803ccc1bc2538dd729312eecac9380d9ac629ba60157e4c39c9d8301130d80');
    expect(hex(additionalKey(s17, sik, 2))).to.equal('0fba22316073e50884cf0406d899472cdf475e582e1c3885ee3e79666de613cc');
  });

  it('encrypts and authenticates a whole session packet', () => {
    const keys = deriveSessionKeys(s17, sik);
    const iv = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
    const message = encodeRequest(getChassisStatus(), 1);
    expect(hex(message)).to.equal('2000e08104017a');
    const packet = encodeV20({ payloadType: 0, sessionId: 0xa0b0c0d0, sequence: 1, payload: message, keys, iv });
    // RMCP header, session header, IV, ciphertext, pad ff ff, pad length 2, next header 7, 16-byte ICV
    expect(hex(packet)).to.equal(`0600ff07${'06c0d0c0b0a0010000002000'}${hex(iv)}c3cf0847001761104950f0187bd05e7cffff0207bf48ce6911987b21181a31532c2a10f5`);
    const decoded = decodeIpmi(packet, keys);
    expect(decoded.ok && decoded.version === '2.0' && hex(decoded.packet.payload)).to.equal('2000e08104017a');
  });

  it('rejects a packet whose integrity code does not match', () => {
    const keys = deriveSessionKeys(s17, sik);
    const packet = encodeV20({ payloadType: 0, sessionId: 1, sequence: 1, payload: Buffer.from([1, 2, 3]), keys });
    packet[packet.length - 1] = (packet[packet.length - 1] as number) ^ 0x01;
    expect(decodeIpmi(packet, keys)).to.deep.equal({ ok: false, reason: 'integrity check failed' });
    const other = deriveSessionKeys(s17, Buffer.alloc(32, 7));
    const good = encodeV20({ payloadType: 0, sessionId: 1, sequence: 1, payload: Buffer.from([1, 2, 3]), keys });
    expect(decodeIpmi(good, other).ok).to.equal(false);
  });
});

describe('RMCP+ crypto, cipher suite 3 (HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128)', () => {
  const s3 = CIPHER_SUITES[3];
  it('computes RAKP2, SIK, K1 and the 12-byte RAKP4 value', () => {
    expect(hex(rakp2AuthCode(s3, password, inputs))).to.equal('01cc09701152c1f0b880fb744f1cb3b14c89ac40');
    const sik = sessionIntegrityKey(s3, password, inputs);
    expect(hex(sik)).to.equal('3bf70a5a90eb34f48603f676c855ff73e4bb2e17');
    expect(hex(additionalKey(s3, sik, 1))).to.equal('dc57d1a0092323580071ad4d84303fe9d19ea721');
    expect(hex(rakp4Icv(s3, sik, inputs))).to.equal('457d94e6a89e7fdf27454d32');
  });
});

describe('AES-CBC-128 payload padding', () => {
  const key = Buffer.alloc(16, 0x42);
  for (const length of [0, 1, 15, 16, 17, 31, 200]) {
    it(`round-trips ${length} bytes and pads to whole blocks`, () => {
      const data = Buffer.from(Array.from({ length }, (_, i) => i & 0xff));
      const enc = encryptPayload(key, data);
      expect(enc.length % 16).to.equal(0);
      expect(hex(decryptPayload(key, enc) as Buffer)).to.equal(hex(data));
    });
  }

  it('refuses payloads that are not whole blocks', () => {
    expect(decryptPayload(key, Buffer.alloc(33))).to.equal(undefined);
  });
});

describe('freshRandom', () => {
  it('never hands out the same bytes twice, across pool blocks, and never changes bytes handed out', () => {
    const first = freshRandom(16);
    const kept = hex(first);
    const seen = new Set<string>([kept]);
    // 16-byte draws and odd sizes across several 4 KiB blocks.
    for (let i = 0; i < 1000; i++) {
      const b = freshRandom(i % 7 === 0 ? 5 : 16);
      expect(b.length).to.equal(i % 7 === 0 ? 5 : 16);
      if (b.length === 16) {
        expect(seen.has(hex(b))).to.equal(false);
        seen.add(hex(b));
      }
    }
    expect(hex(first)).to.equal(kept);
    expect(freshRandom(5000).length).to.equal(5000);
  });
});
