/**
 * What an IPMI client really sent a BMC, read off the wire: a UDP relay on loopback between the
 * client and the BMC records every datagram, and an independent reading of RMCP+ (IPMI v2.0
 * §13.6–13.32) follows each key exchange with the user's password, derives the session keys and
 * decrypts the session's messages. Written from the specification for tests; it shares no code with
 * agent/bmc/ipmi, so a mistake there is not repeated here (a wrong key shows as bad checksums).
 * Supports the RAKP-HMAC-SHA1 and -SHA256 suites with AES-CBC-128 or no confidentiality.
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface Datagram { toBmc: boolean; data: Buffer }

/** Relays datagrams between one client and a BMC at 127.0.0.1:bmcPort, recording them in order. */
export class UdpRelay {
  readonly datagrams: Datagram[] = [];
  private readonly front: Socket = createSocket('udp4');
  private readonly back: Socket = createSocket('udp4');
  private client: RemoteInfo | undefined;

  private constructor(private readonly bmcPort: number) {}

  static async start(bmcPort: number): Promise<UdpRelay> {
    const r = new UdpRelay(bmcPort);
    r.front.on('message', (data, from) => {
      r.client = from;
      r.datagrams.push({ toBmc: true, data });
      r.back.send(data, r.bmcPort, '127.0.0.1');
    });
    r.back.on('message', (data) => {
      r.datagrams.push({ toBmc: false, data });
      if (r.client !== undefined) r.front.send(data, r.client.port, r.client.address);
    });
    await Promise.all([r.front, r.back].map((s) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))));
    return r;
  }

  /** Where the client is to send (the BMC's stand-in address is 127.0.0.1). */
  get port(): number {
    return this.front.address().port;
  }

  async close(): Promise<void> {
    await Promise.all([this.front, this.back].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** One IPMI message inside an RMCP+ session, as it travelled. */
export interface SessionMessage {
  toBmc: boolean;
  netFn: number;
  command: number;
  /** Request data, or a response's data after the completion code. */
  data: number[];
  completionCode?: number;
  encrypted: boolean;
}

export interface CapturedSession {
  bmcSessionId: number;
  consoleSessionId: number;
  /** Authentication algorithm: 1 RAKP-HMAC-SHA1, 3 RAKP-HMAC-SHA256. */
  authAlgorithm: number;
  /** Confidentiality algorithm: 0 none, 1 AES-CBC-128. */
  confidentiality: number;
  messages: SessionMessage[];
}

interface Pending {
  consoleSessionId: number;
  bmcSessionId?: number;
  authAlgorithm?: number;
  confidentiality?: number;
  rm?: Buffer;
  roleAndName?: Buffer;
  sik?: Buffer;
  aesKey?: Buffer;
}

const RMCP = Buffer.from([0x06, 0x00, 0xff, 0x07]);
const PAYLOAD = { ipmi: 0x00, openRequest: 0x10, openResponse: 0x11, rakp1: 0x12, rakp2: 0x13 } as const;

/** The sessions found in a capture, each with its messages decrypted, in the order they travelled. */
export function readSessions(datagrams: readonly Datagram[], password: string): CapturedSession[] {
  const pending: Pending[] = [];
  const sessions: CapturedSession[] = [];
  const kuid = Buffer.alloc(20);
  Buffer.from(password, 'utf8').copy(kuid);
  for (const d of datagrams) {
    const p = d.data;
    if (p.length < 16 || !p.subarray(0, 4).equals(RMCP) || p[4] !== 0x06) continue; // not RMCP+ (IPMI 1.5 discovery, ASF ping)
    const typeByte = p[5] as number;
    const type = typeByte & 0x3f;
    const encrypted = (typeByte & 0x80) !== 0;
    if (type === 0x02) continue; // OEM explicit: none expected
    const sessionId = p.readUInt32LE(6);
    const length = p.readUInt16LE(14);
    const payload = p.subarray(16, 16 + length);
    if (type === PAYLOAD.openRequest && d.toBmc) {
      pending.push({ consoleSessionId: payload.readUInt32LE(4) });
    } else if (type === PAYLOAD.openResponse && !d.toBmc && payload[1] === 0) {
      const s = pending.find((x) => x.consoleSessionId === payload.readUInt32LE(4));
      if (s !== undefined) Object.assign(s, { bmcSessionId: payload.readUInt32LE(8), authAlgorithm: (payload[16] as number) & 0x3f, confidentiality: (payload[32] as number) & 0x3f });
    } else if (type === PAYLOAD.rakp1 && d.toBmc) {
      const s = pending.find((x) => x.bmcSessionId === payload.readUInt32LE(4));
      // Rm, then RoleM | ULengthM | UNameM: the inputs of the session key after Rc.
      if (s !== undefined) Object.assign(s, { rm: payload.subarray(8, 24), roleAndName: Buffer.concat([payload.subarray(24, 25), payload.subarray(27, 28 + (payload[27] as number))]) });
    } else if (type === PAYLOAD.rakp2 && !d.toBmc && payload[1] === 0) {
      const s = pending.find((x) => x.consoleSessionId === payload.readUInt32LE(4));
      if (s?.rm === undefined || s.roleAndName === undefined || s.bmcSessionId === undefined) continue;
      const hash = s.authAlgorithm === 3 ? 'sha256' : 'sha1';
      s.sik = createHmac(hash, kuid).update(Buffer.concat([s.rm, payload.subarray(8, 24), s.roleAndName])).digest();
      s.aesKey = createHmac(hash, s.sik).update(Buffer.alloc(20, 0x02)).digest().subarray(0, 16);
      sessions.push({ bmcSessionId: s.bmcSessionId, consoleSessionId: s.consoleSessionId, authAlgorithm: s.authAlgorithm ?? 0, confidentiality: s.confidentiality ?? 0, messages: [] });
    } else if (type === PAYLOAD.ipmi && sessionId !== 0) {
      const session = sessions.find((s) => (d.toBmc ? s.bmcSessionId : s.consoleSessionId) === sessionId);
      const keys = pending.find((x) => x.bmcSessionId === session?.bmcSessionId);
      if (session === undefined || keys?.aesKey === undefined) continue;
      const plain = encrypted ? decryptAes(keys.aesKey, payload) : payload;
      session.messages.push(readMessage(plain, d.toBmc, encrypted));
    }
  }
  return sessions;
}

/** AES-CBC-128 payload: a 16-byte IV, then the data, pad bytes 1, 2, … and the pad length (§13.29). */
function decryptAes(key: Buffer, payload: Buffer): Buffer {
  const decipher = createDecipheriv('aes-128-cbc', key, payload.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(payload.subarray(16)), decipher.final()]);
  const pad = plain[plain.length - 1] as number;
  for (let i = 0; i < pad; i++) {
    if (plain[plain.length - 1 - pad + i] !== i + 1) throw new Error('confidentiality pad does not read 1, 2, …: the session key is wrong');
  }
  return plain.subarray(0, plain.length - 1 - pad);
}

/** An IPMI LAN message (§13.8): both checksums must hold. */
function readMessage(m: Buffer, toBmc: boolean, encrypted: boolean): SessionMessage {
  const sum = (b: Buffer): number => b.reduce((a, x) => (a + x) & 0xff, 0);
  if (m.length < 7 || sum(m.subarray(0, 3)) !== 0 || sum(m.subarray(3)) !== 0) throw new Error(`an IPMI message with a bad checksum: ${m.toString('hex')}`);
  const netFn = (m[1] as number) >> 2;
  const command = m[5] as number;
  const body = [...m.subarray(6, m.length - 1)];
  if (toBmc) return { toBmc, netFn, command, data: body, encrypted };
  return { toBmc, netFn, command, completionCode: body[0], data: body.slice(1), encrypted };
}
