/**
 * RMCP+ cryptography (IPMI v2.0 §13.28–13.32), written from the specification's definitions:
 *
 *   RAKP2 auth code  = HMAC_Kuid(SIDm | SIDc | Rm | Rc | GUIDc | ROLEm | ULENGTHm | UNAMEm)
 *   RAKP3 auth code  = HMAC_Kuid(Rc | SIDm | ROLEm | ULENGTHm | UNAMEm)
 *   SIK              = HMAC_Kg(Rm | Rc | ROLEm | ULENGTHm | UNAMEm)      (Kg = Kuid when the BMC key is null)
 *   RAKP4 ICV        = HMAC_SIK(Rm | SIDc | GUIDc), truncated (12 bytes SHA-1, 16 bytes SHA-256)
 *   K1 / K2          = HMAC_SIK(20 × 0x01) / HMAC_SIK(20 × 0x02)
 *   integrity        = HMAC_K1(session header … next header), truncated the same way
 *   AES-CBC-128      key = K2[0..16), random IV sent in front, pad 1,2,…,n then n
 *
 * SIDm is the remote console's (our) session ID, SIDc the managed system's (the BMC's); the
 * 32-bit IDs go on the wire little-endian. Kuid is the user's password (HMAC zero-pads the key,
 * so the spec's 20-byte zero padding changes nothing).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type HashName = 'sha1' | 'sha256';

export interface CipherSuite {
  id: 3 | 17;
  /** RMCP+ algorithm numbers as sent in Open Session. */
  authAlgorithm: number;
  integrityAlgorithm: number;
  confidentialityAlgorithm: number;
  hash: HashName;
  /** Length of the RAKP2/RAKP3 key exchange auth code (full HMAC). */
  authCodeLength: number;
  /** Length of the truncated RAKP4 ICV and per-packet integrity code. */
  integrityLength: number;
}

export const CIPHER_SUITES: Readonly<Record<3 | 17, CipherSuite>> = {
  // RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128
  3: { id: 3, authAlgorithm: 0x01, integrityAlgorithm: 0x01, confidentialityAlgorithm: 0x01, hash: 'sha1', authCodeLength: 20, integrityLength: 12 },
  // RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128
  17: { id: 17, authAlgorithm: 0x03, integrityAlgorithm: 0x04, confidentialityAlgorithm: 0x01, hash: 'sha256', authCodeLength: 32, integrityLength: 16 },
};

/** What both RAKP sides know once RAKP2 has arrived. */
export interface RakpInputs {
  /** Our (remote console) session ID. */
  consoleSessionId: number;
  /** The BMC's (managed system) session ID. */
  bmcSessionId: number;
  consoleRandom: Uint8Array; // Rm, 16 bytes
  bmcRandom: Uint8Array; // Rc, 16 bytes
  bmcGuid: Uint8Array; // GUIDc, 16 bytes
  /** The role byte exactly as sent in RAKP1 (privilege + name-only lookup bit). */
  role: number;
  user: string;
}

export function hmac(hash: HashName, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

function userBytes(user: string): Buffer {
  return Buffer.concat([Buffer.from([Buffer.byteLength(user, 'utf8')]), Buffer.from(user, 'utf8')]);
}

export function rakp2AuthCode(s: CipherSuite, password: Uint8Array, i: RakpInputs): Buffer {
  return hmac(s.hash, password, u32le(i.consoleSessionId), u32le(i.bmcSessionId), i.consoleRandom, i.bmcRandom, i.bmcGuid,
    Buffer.from([i.role]), userBytes(i.user));
}

export function rakp3AuthCode(s: CipherSuite, password: Uint8Array, i: RakpInputs): Buffer {
  return hmac(s.hash, password, i.bmcRandom, u32le(i.consoleSessionId), Buffer.from([i.role]), userBytes(i.user));
}

/** Session integrity key. `bmcKey` (Kg) is used when the BMC has one configured; else the password. */
export function sessionIntegrityKey(s: CipherSuite, password: Uint8Array, i: RakpInputs, bmcKey?: Uint8Array): Buffer {
  return hmac(s.hash, bmcKey ?? password, i.consoleRandom, i.bmcRandom, Buffer.from([i.role]), userBytes(i.user));
}

export function rakp4Icv(s: CipherSuite, sik: Uint8Array, i: RakpInputs): Buffer {
  return hmac(s.hash, sik, i.consoleRandom, u32le(i.bmcSessionId), i.bmcGuid).subarray(0, s.integrityLength);
}

/** K_n = HMAC_SIK(20 bytes of n). */
export function additionalKey(s: CipherSuite, sik: Uint8Array, n: 1 | 2 | 3): Buffer {
  return hmac(s.hash, sik, Buffer.alloc(20, n));
}

export interface SessionKeys {
  suite: CipherSuite;
  k1: Buffer;
  /** AES-128 key: the first 16 bytes of K2. */
  aesKey: Buffer;
}

export function deriveSessionKeys(s: CipherSuite, sik: Uint8Array): SessionKeys {
  return { suite: s, k1: additionalKey(s, sik, 1), aesKey: additionalKey(s, sik, 2).subarray(0, 16) };
}

/** Per-packet integrity code over `covered` (authentication type … next header). */
export function integrityCode(keys: SessionKeys, covered: Uint8Array): Buffer {
  return hmac(keys.suite.hash, keys.k1, covered).subarray(0, keys.suite.integrityLength);
}

/** Constant-time comparison of two codes of possibly different length. */
export function sameCode(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomPoolAt = 0;

/**
 * `n` fresh random bytes (IVs, nonces, session IDs), cut from a 4 KiB block of the CSPRNG's output.
 * A status poll of a rack draws hundreds of 16-byte IVs, and asking OpenSSL for each one cost about
 * 9 µs, a tenth of the client's CPU. Every byte is handed out once: a spent block is replaced, never
 * refilled, so a view handed out earlier keeps its bytes.
 */
export function freshRandom(n: number): Buffer {
  if (randomPoolAt + n > randomPool.length) {
    randomPool = randomBytes(Math.max(RANDOM_POOL_BYTES, n));
    randomPoolAt = 0;
  }
  randomPoolAt += n;
  return randomPool.subarray(randomPoolAt - n, randomPoolAt);
}

/** AES-CBC-128 payload: IV, then the ciphertext of data + pad 1..n + n (n makes a whole block). */
export function encryptPayload(aesKey: Uint8Array, data: Uint8Array, iv: Uint8Array = freshRandom(16)): Buffer {
  const padLength = (16 - ((data.length + 1) % 16)) % 16;
  const plain = Buffer.allocUnsafe(data.length + padLength + 1);
  plain.set(data);
  for (let k = 1; k <= padLength; k++) plain[data.length + k - 1] = k;
  plain[plain.length - 1] = padLength;
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
  return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
}

/** Inverse of encryptPayload; undefined when the payload is malformed (wrong length or pad). */
export function decryptPayload(aesKey: Uint8Array, payload: Uint8Array): Buffer | undefined {
  if (payload.length < 32 || payload.length % 16 !== 0) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', aesKey, payload.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(payload.subarray(16)), decipher.final()]);
  const padLength = plain[plain.length - 1] as number;
  if (padLength > 15 || padLength + 1 > plain.length) return undefined;
  return plain.subarray(0, plain.length - 1 - padLength);
}
