/**
 * IPMI session wrappers on top of RMCP (IPMI v2.0 §13.6, §13.8): the v1.5 wrapper with no
 * authentication (used only for Get Channel Authentication Capabilities before a session exists)
 * and the v2.0/RMCP+ wrapper with its payload type, optional AES-CBC-128 confidentiality and the
 * integrity trailer. Pure encode/decode; the keys come from crypto.ts.
 */
import { RMCP_CLASS_IPMI, rmcpClass, rmcpHeader } from './rmcp.js';
import { decryptPayload, encryptPayload, integrityCode, sameCode, type SessionKeys } from './crypto.js';

export const PayloadType = {
  ipmi: 0x00,
  sol: 0x01,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
} as const;

const AUTH_TYPE_NONE = 0x00;
const AUTH_TYPE_RMCP_PLUS = 0x06;
const NEXT_HEADER = 0x07;
const RMCP_LEN = 4;
const V20_HEADER_LEN = 12; // auth type, payload type, session ID (4), sequence (4), length (2)
const IPMI_RMCP_HEADER = rmcpHeader(RMCP_CLASS_IPMI);

/** v1.5 wrapper, auth type none, session 0: only for pre-session messages. */
export function encodeV15(message: Uint8Array): Buffer {
  const header = Buffer.alloc(10);
  header[0] = AUTH_TYPE_NONE; // sequence and session ID stay 0
  header[9] = message.length;
  return Buffer.concat([rmcpHeader(RMCP_CLASS_IPMI), header, message]);
}

export interface V20Packet {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  sequence: number;
  payload: Buffer;
}

export interface EncodeV20 {
  payloadType: number;
  sessionId: number;
  sequence: number;
  payload: Uint8Array;
  /** Present once the session is active: the payload is encrypted and the packet authenticated. */
  keys?: SessionKeys;
  /** Fixed IV for known-answer tests only. */
  iv?: Uint8Array;
}

/** One allocation per packet: RMCP header, session header, payload, and when secured the trailer and integrity code. */
export function encodeV20(p: EncodeV20): Buffer {
  const keys = p.keys;
  const body = keys === undefined ? p.payload : encryptPayload(keys.aesKey, p.payload, p.iv);
  // Secured: pad so that auth type … next header is a whole number of 4-byte words.
  const padLength = keys === undefined ? 0 : (4 - ((V20_HEADER_LEN + body.length + 2) % 4)) % 4;
  const bodyAt = RMCP_LEN + V20_HEADER_LEN;
  const coveredEnd = bodyAt + body.length + (keys === undefined ? 0 : padLength + 2);
  const out = Buffer.allocUnsafe(coveredEnd + (keys === undefined ? 0 : keys.suite.integrityLength));
  out.set(IPMI_RMCP_HEADER);
  out[RMCP_LEN] = AUTH_TYPE_RMCP_PLUS;
  out[RMCP_LEN + 1] = (p.payloadType & 0x3f) | (keys === undefined ? 0x00 : 0xc0);
  out.writeUInt32LE(p.sessionId >>> 0, RMCP_LEN + 2);
  out.writeUInt32LE(p.sequence >>> 0, RMCP_LEN + 6);
  out.writeUInt16LE(body.length, RMCP_LEN + 10);
  out.set(body, bodyAt);
  if (keys === undefined) return out;
  out.fill(0xff, bodyAt + body.length, coveredEnd - 2);
  out[coveredEnd - 2] = padLength;
  out[coveredEnd - 1] = NEXT_HEADER;
  out.set(integrityCode(keys, out.subarray(RMCP_LEN, coveredEnd)), coveredEnd);
  return out;
}

export type DecodeResult =
  | { ok: true; version: '1.5'; message: Buffer }
  | { ok: true; version: '2.0'; packet: V20Packet }
  | { ok: false; reason: string };

/**
 * Decode an IPMI datagram. Authenticated packets are checked with `keys` and decrypted; a packet
 * that fails the check is rejected (a forged or corrupted datagram must not complete a request).
 */
export function decodeIpmi(datagram: Uint8Array, keys?: SessionKeys): DecodeResult {
  const d = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (rmcpClass(d) !== RMCP_CLASS_IPMI || d.length < RMCP_LEN + 1) return { ok: false, reason: 'not an IPMI datagram' };
  const authType = (d[RMCP_LEN] as number) & 0x0f;
  if (authType !== AUTH_TYPE_RMCP_PLUS) {
    // v1.5: auth type, sequence (4), session ID (4), [16-byte auth code], length, message
    const lenAt = RMCP_LEN + 9 + (authType === AUTH_TYPE_NONE ? 0 : 16);
    const len = d[lenAt];
    if (len === undefined || d.length < lenAt + 1 + len) return { ok: false, reason: 'truncated IPMI v1.5 packet' };
    return { ok: true, version: '1.5', message: d.subarray(lenAt + 1, lenAt + 1 + len) };
  }
  if (d.length < RMCP_LEN + V20_HEADER_LEN) return { ok: false, reason: 'truncated RMCP+ header' };
  const h = RMCP_LEN;
  const typeByte = d[h + 1] as number;
  const encrypted = (typeByte & 0x80) !== 0;
  const authenticated = (typeByte & 0x40) !== 0;
  const length = d.readUInt16LE(h + 10);
  const bodyStart = h + V20_HEADER_LEN;
  if (d.length < bodyStart + length) return { ok: false, reason: 'truncated RMCP+ payload' };
  let body = d.subarray(bodyStart, bodyStart + length);
  if (authenticated) {
    if (keys === undefined) return { ok: false, reason: 'authenticated packet outside a session' };
    const codeLength = keys.suite.integrityLength;
    const coveredEnd = d.length - codeLength;
    if (coveredEnd < bodyStart + length + 2 || d[coveredEnd - 1] !== NEXT_HEADER) return { ok: false, reason: 'malformed integrity trailer' };
    const expected = integrityCode(keys, d.subarray(h, coveredEnd));
    if (!sameCode(expected, d.subarray(coveredEnd))) return { ok: false, reason: 'integrity check failed' };
  }
  if (encrypted) {
    if (keys === undefined) return { ok: false, reason: 'encrypted packet outside a session' };
    const plain = decryptPayload(keys.aesKey, body);
    if (plain === undefined) return { ok: false, reason: 'payload does not decrypt' };
    body = plain;
  }
  return {
    ok: true,
    version: '2.0',
    packet: { payloadType: typeByte & 0x3f, encrypted, authenticated, sessionId: d.readUInt32LE(h + 2), sequence: d.readUInt32LE(h + 6), payload: Buffer.from(body) },
  };
}
