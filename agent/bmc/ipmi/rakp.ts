/**
 * RMCP+ session establishment payloads (IPMI v2.0 §13.17–13.23): Open Session Request/Response and
 * RAKP messages 1–4. Pure encode/decode; the HMACs are computed in crypto.ts.
 */
import type { CipherSuite } from './crypto.js';

export const Privilege = { callback: 1, user: 2, operator: 3, administrator: 4 } as const;
/** RAKP1 role bit 4: look the user up by name only (not name + privilege), as ipmitool does. */
export const NAME_ONLY_LOOKUP = 0x10;

/** RMCP+ status codes (§13.24). */
export const RMCP_STATUS: Record<number, string> = {
  0x01: 'insufficient resources to create a session',
  0x02: 'invalid session ID',
  0x03: 'invalid payload type',
  0x04: 'invalid authentication algorithm',
  0x05: 'invalid integrity algorithm',
  0x06: 'no matching authentication payload',
  0x07: 'no matching integrity payload',
  0x08: 'inactive session ID',
  0x09: 'invalid role',
  0x0a: 'unauthorized role or privilege level requested',
  0x0b: 'insufficient resources to create a session at the requested role',
  0x0c: 'invalid name length',
  0x0d: 'unauthorized name',
  0x0e: 'unauthorized GUID',
  0x0f: 'invalid integrity check value',
  0x10: 'invalid confidentiality algorithm',
  0x11: 'no cipher suite match with proposed security algorithms',
  0x12: 'illegal or unrecognized parameter',
};

export function describeRmcpStatus(code: number): string {
  return `RMCP+ status 0x${code.toString(16).padStart(2, '0')} (${RMCP_STATUS[code] ?? 'unknown'})`;
}

/** Status codes by which a BMC refuses a cipher suite (try the next one). */
export function isCipherRefusal(code: number): boolean {
  return [0x04, 0x05, 0x06, 0x07, 0x10, 0x11].includes(code);
}

/** Status codes that mean the credentials are wrong. */
export function isCredentialRefusal(code: number): boolean {
  return code === 0x0d || code === 0x0f || code === 0x0a || code === 0x09;
}

function algorithmRecord(kind: number, algorithm: number): Buffer {
  return Buffer.from([kind, 0, 0, 8, algorithm, 0, 0, 0]);
}

export function encodeOpenSessionRequest(tag: number, consoleSessionId: number, suite: CipherSuite, privilege: number): Buffer {
  const head = Buffer.alloc(8);
  head[0] = tag;
  head[1] = privilege;
  head.writeUInt32LE(consoleSessionId >>> 0, 4);
  return Buffer.concat([head, algorithmRecord(0, suite.authAlgorithm), algorithmRecord(1, suite.integrityAlgorithm), algorithmRecord(2, suite.confidentialityAlgorithm)]);
}

export interface OpenSessionResponse {
  tag: number;
  status: number;
  /** Undefined in a short error response (ipmi_sim sends only tag and status). */
  consoleSessionId: number | undefined;
  bmcSessionId: number;
}

export function decodeOpenSessionResponse(p: Buffer): OpenSessionResponse | undefined {
  if (p.length < 2) return undefined;
  const status = p[1] as number;
  if (status !== 0) return { tag: p[0] as number, status, consoleSessionId: p.length >= 8 ? p.readUInt32LE(4) : undefined, bmcSessionId: 0 };
  if (p.length < 12) return undefined;
  return { tag: p[0] as number, status, consoleSessionId: p.readUInt32LE(4), bmcSessionId: p.readUInt32LE(8) };
}

export function encodeRakp1(tag: number, bmcSessionId: number, consoleRandom: Uint8Array, role: number, user: string): Buffer {
  const name = Buffer.from(user, 'utf8');
  const b = Buffer.alloc(28);
  b[0] = tag;
  b.writeUInt32LE(bmcSessionId >>> 0, 4);
  Buffer.from(consoleRandom).copy(b, 8);
  b[24] = role;
  b[27] = name.length;
  return Buffer.concat([b, name]);
}

export interface Rakp2 {
  tag: number;
  status: number;
  consoleSessionId: number | undefined;
  bmcRandom: Buffer;
  bmcGuid: Buffer;
  authCode: Buffer;
}

export function decodeRakp2(p: Buffer, suite: CipherSuite): Rakp2 | undefined {
  if (p.length < 2) return undefined;
  const status = p[1] as number;
  if (status === 0 && p.length < 8) return undefined;
  const consoleSessionId = p.length >= 8 ? p.readUInt32LE(4) : undefined;
  if (status !== 0) return { tag: p[0] as number, status, consoleSessionId, bmcRandom: Buffer.alloc(0), bmcGuid: Buffer.alloc(0), authCode: Buffer.alloc(0) };
  if (p.length < 40 + suite.authCodeLength) return undefined;
  return {
    tag: p[0] as number,
    status,
    consoleSessionId,
    bmcRandom: Buffer.from(p.subarray(8, 24)),
    bmcGuid: Buffer.from(p.subarray(24, 40)),
    authCode: Buffer.from(p.subarray(40, 40 + suite.authCodeLength)),
  };
}

export function encodeRakp3(tag: number, status: number, bmcSessionId: number, authCode: Uint8Array): Buffer {
  const b = Buffer.alloc(8);
  b[0] = tag;
  b[1] = status;
  b.writeUInt32LE(bmcSessionId >>> 0, 4);
  return status === 0 ? Buffer.concat([b, authCode]) : b;
}

export interface Rakp4 {
  tag: number;
  status: number;
  consoleSessionId: number | undefined;
  icv: Buffer;
}

export function decodeRakp4(p: Buffer, suite: CipherSuite): Rakp4 | undefined {
  if (p.length < 2 || (p[1] === 0 && p.length < 8)) return undefined;
  const status = p[1] as number;
  const icv = status === 0 ? Buffer.from(p.subarray(8, 8 + suite.integrityLength)) : Buffer.alloc(0);
  if (status === 0 && icv.length !== suite.integrityLength) return undefined;
  return { tag: p[0] as number, status, consoleSessionId: p.length >= 8 ? p.readUInt32LE(4) : undefined, icv };
}
