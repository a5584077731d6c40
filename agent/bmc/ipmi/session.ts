/**
 * One RMCP+ session with one BMC: Get Channel Authentication Capabilities, Open Session, RAKP 1–4
 * with each cipher suite in the configured order until one is accepted, Set Session Privilege
 * Level, then authenticated and encrypted commands with sequence numbers and retransmission, and
 * Close Session.
 *
 * Session set-up is pipelined where the protocol allows it, because with many BMCs on a busy
 * machine every round trip costs a scheduling round of every BMC: Get Channel Authentication
 * Capabilities goes out together with the first Open Session Request, and Set Session Privilege
 * Level together with RAKP 3 (the BMC handles them in order; a BMC that drops the early one costs
 * one retransmission, never a failure).
 *
 * INVARIANTS: the owner runs one operation at a time (lanplus-client.ts serialises); exchanges in
 * flight together match disjoint answers. A response is taken only if it decodes and passes the
 * integrity check with this session's keys and echoes the request's sequence and command, so a
 * late answer to an earlier request is never mistaken for the current one. The password is used
 * only as an HMAC key and never logged.
 */
import type { Logger } from '../../lib/log.js';
import type { BmcTarget } from '../bmc-client.js';
import { bmcAuthError, bmcFailure, bmcUnsupportedError, type BmcWhere, whereOf } from '../errors.js';
import { CIPHER_SUITES, deriveSessionKeys, freshRandom, rakp2AuthCode, rakp3AuthCode, rakp4Icv, sameCode, sessionIntegrityKey, type CipherSuite, type RakpInputs, type SessionKeys } from './crypto.js';
import { decodeIpmi, encodeV15, encodeV20, PayloadType } from './packet.js';
import { decodeResponse, describeCompletionCode, encodeRequest, type IpmiRequest, type IpmiResponse } from './message.js';
import { closeSession, decodeChannelAuthCaps, getChannelAuthCaps, setSessionPrivilege } from './commands.js';
import { decodeOpenSessionResponse, decodeRakp2, decodeRakp4, describeRmcpStatus, type Rakp4, encodeOpenSessionRequest, encodeRakp1, encodeRakp3, isCipherRefusal, isCredentialRefusal, NAME_ONLY_LOOKUP, Privilege } from './rakp.js';
import { decodeAsfPong, encodeAsfPing } from './rmcp.js';
import type { DatagramTransport } from './transport.js';
import { BmcExchanges, KEEP, type ExchangeOptions } from './exchange.js';

export interface SessionOptions extends ExchangeOptions {
  /** Cipher suites to offer, in order of preference. */
  cipherSuites: ReadonlyArray<3 | 17>;
  privilege?: number;
}

/** The BMC refused a cipher suite (internal: try the next). */
class CipherRefused extends Error {}
/** A session the BMC opened (Open Session Response accepted), before RAKP. */
interface Opened { bmcSessionId: number; consoleSessionId: number }
const CLOSE_TIMEOUT_MS = 1000;

/** Whether a handshake response answers our request: our session ID, or (short error responses carry none) our tag. */
function answers(r: { tag: number; status: number; consoleSessionId: number | undefined }, tag: number, consoleSessionId: number): boolean {
  return r.consoleSessionId === undefined ? r.status !== 0 && r.tag === tag : r.consoleSessionId === consoleSessionId;
}

/** What the client needs from a session (a fake in test/lib stands in for it in unit tests). */
export interface IpmiSession {
  readonly isOpen: boolean;
  readonly cipherSuite: 3 | 17 | undefined;
  ping(): Promise<boolean>;
  open(): Promise<void>;
  command(request: IpmiRequest, step: string, timeoutMs?: number): Promise<IpmiResponse>;
  close(): Promise<void>;
  drop(): void;
  /** Make every exchange in flight fail now with `reason` (the owner is closing). */
  interrupt(reason: Error): void;
}

export class LanplusSession implements IpmiSession {
  private keys: SessionKeys | undefined;
  private suite: CipherSuite | undefined;
  private consoleSessionId = 0;
  private bmcSessionId = 0;
  private sequence = 0;
  private rqSeq = 0;
  private tag = 0;
  private readonly where: BmcWhere;
  private readonly net: BmcExchanges;

  constructor(private readonly target: BmcTarget, private readonly options: SessionOptions, transport: DatagramTransport, private readonly log: Logger) {
    this.where = whereOf(target, 'ipmi');
    this.net = new BmcExchanges(target, options, transport, this.where, log);
  }

  get isOpen(): boolean {
    return this.keys !== undefined;
  }

  /** The cipher suite in use, once open. */
  get cipherSuite(): 3 | 17 | undefined {
    return this.suite?.id;
  }

  private get privilege(): number {
    return this.options.privilege ?? Privilege.administrator;
  }

  /** ASF presence ping: true when the BMC answers, false when it does not within the timeout. */
  async ping(): Promise<boolean> {
    const tag = this.nextTag();
    try {
      await this.net.exchange('RMCP presence ping', () => encodeAsfPing(tag), (d) => (decodeAsfPong(d)?.tag === tag ? true : undefined));
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'RACKER_E_BMC_TIMEOUT') return false;
      throw e;
    }
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const suites = this.options.cipherSuites;
    // Both go out at once; the capabilities are still checked before the session is used.
    const [caps, first] = await Promise.allSettled([this.channelAuthCaps(), this.openSession(CIPHER_SUITES[suites[0] as 3 | 17])]);
    if (caps.status === 'rejected') throw caps.reason;
    for (const [i, id] of suites.entries()) {
      const suite = CIPHER_SUITES[id];
      try {
        if (i === 0 && first.status === 'rejected') throw first.reason;
        const opened = i === 0 && first.status === 'fulfilled' ? first.value : await this.openSession(suite);
        await this.authenticate(suite, opened);
        return;
      } catch (e) {
        if (!(e instanceof CipherRefused)) throw e;
        if (i === suites.length - 1) {
          throw bmcUnsupportedError(this.where, 'open session', `the BMC refused cipher suites ${suites.join(', ')} (${e.message})`,
            'set bmc.cipherSuites (or bmc.nodes.<BMC MAC>.cipherSuite) to a suite the BMC offers; racker supports 3 and 17');
        }
        this.log.debug({ cipherSuite: id, why: e.message }, 'cipher suite refused, trying the next');
      }
    }
  }

  /** Get Channel Authentication Capabilities: fails unless the BMC offers IPMI v2.0. */
  private async channelAuthCaps(): Promise<void> {
    const caps = await this.net.exchange('get channel authentication capabilities',
      () => encodeV15(encodeRequest(getChannelAuthCaps(this.privilege), 0)),
      (d) => {
        const r = decodeIpmi(d);
        if (!r.ok || r.version !== '1.5') return undefined;
        const resp = decodeResponse(r.message);
        return resp?.command === 0x38 ? resp : undefined;
      });
    if (caps.completionCode !== 0) throw bmcFailure(this.where, 'get channel authentication capabilities', describeCompletionCode(caps.completionCode));
    if (decodeChannelAuthCaps(caps.data)?.ipmi20 !== true) {
      throw bmcUnsupportedError(this.where, 'get channel authentication capabilities', 'the BMC does not offer IPMI v2.0 (RMCP+)', 'this BMC needs IPMI v1.5; racker supports only v2.0 lanplus');
    }
  }

  /** Open Session Request with one cipher suite; CipherRefused when the BMC does not take it. */
  private async openSession(suite: CipherSuite): Promise<Opened> {
    const consoleSessionId = freshRandom(4).readUInt32LE() || 1;
    const tag = this.nextTag();
    const opened = await this.net.exchange('open session',
      () => encodeV20({ payloadType: PayloadType.openSessionRequest, sessionId: 0, sequence: 0, payload: encodeOpenSessionRequest(tag, consoleSessionId, suite, this.privilege) }),
      (d) => {
        const p = this.preSession(d, PayloadType.openSessionResponse);
        const r = p === undefined ? undefined : decodeOpenSessionResponse(p);
        return r !== undefined && answers(r, tag, consoleSessionId) ? r : undefined;
      });
    if (opened.status !== 0) {
      if (isCipherRefusal(opened.status)) throw new CipherRefused(`cipher suite ${suite.id}: ${describeRmcpStatus(opened.status)}`);
      if (isCredentialRefusal(opened.status)) throw bmcAuthError(this.where, 'open session', describeRmcpStatus(opened.status));
      throw bmcFailure(this.where, 'open session', describeRmcpStatus(opened.status));
    }
    return { bmcSessionId: opened.bmcSessionId, consoleSessionId };
  }

  /** RAKP 1–4 and Set Session Privilege Level on an opened session; the session is usable after. */
  private async authenticate(suite: CipherSuite, opened: Opened): Promise<void> {
    const { consoleSessionId } = opened;
    const role = NAME_ONLY_LOOKUP | this.privilege;
    const password = Buffer.from(this.target.password, 'utf8');
    const consoleRandom = freshRandom(16);
    let tag = this.nextTag();
    const r2 = await this.net.exchange('RAKP 1',
      () => encodeV20({ payloadType: PayloadType.rakp1, sessionId: 0, sequence: 0, payload: encodeRakp1(tag, opened.bmcSessionId, consoleRandom, role, this.target.user) }),
      (d) => {
        const p = this.preSession(d, PayloadType.rakp2);
        const r = p === undefined ? undefined : decodeRakp2(p, suite);
        return r !== undefined && answers(r, tag, consoleSessionId) ? r : undefined;
      });
    if (r2.status !== 0) {
      if (isCredentialRefusal(r2.status)) throw bmcAuthError(this.where, 'RAKP 2', describeRmcpStatus(r2.status));
      throw bmcFailure(this.where, 'RAKP 2', describeRmcpStatus(r2.status));
    }
    const inputs: RakpInputs = { consoleSessionId, bmcSessionId: opened.bmcSessionId, consoleRandom, bmcRandom: r2.bmcRandom, bmcGuid: r2.bmcGuid, role, user: this.target.user };
    if (!sameCode(rakp2AuthCode(suite, password, inputs), r2.authCode)) {
      // Tell the BMC, so it frees the half-open session; no answer is expected.
      await this.sendPreSession(PayloadType.rakp3, encodeRakp3(this.nextTag(), 0x0f, opened.bmcSessionId, Buffer.alloc(0)));
      throw bmcAuthError(this.where, 'RAKP 2', 'the BMC\'s key exchange code does not match the configured password');
    }
    const sik = sessionIntegrityKey(suite, password, inputs);
    const keys = deriveSessionKeys(suite, sik);
    // Set Session Privilege Level, inside the new session, goes out with RAKP 3 (one round trip
    // less) and with every retransmission: if RAKP 4 is lost, the BMC has activated the session and
    // ignores a repeated RAKP 3, and an answer to the probe passes the integrity check only if the
    // BMC derived the same keys from our password. The exchange ends with the probe's answer, or
    // at once with a RAKP 4 that refuses; an accepting RAKP 4 is checked, then we keep waiting.
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    const probeSeq = this.rqSeq;
    const probe = encodeRequest(setSessionPrivilege(this.privilege), probeSeq);
    let sequence = 0;
    let accepted: Rakp4 | undefined;
    tag = this.nextTag();
    const rakp3 = encodeV20({ payloadType: PayloadType.rakp3, sessionId: 0, sequence: 0, payload: encodeRakp3(tag, 0, opened.bmcSessionId, rakp3AuthCode(suite, password, inputs)) });
    const answer = await this.net.exchange('RAKP 3',
      () => {
        const withProbe = encodeV20({ payloadType: PayloadType.ipmi, sessionId: opened.bmcSessionId, sequence: ++sequence, payload: probe, keys });
        return accepted === undefined ? [rakp3, withProbe] : [withProbe];
      },
      (d): { refused: Rakp4 } | { privilege: IpmiResponse } | typeof KEEP | undefined => {
        const p = this.preSession(d, PayloadType.rakp4);
        const r = p === undefined ? undefined : decodeRakp4(p, suite);
        if (r !== undefined) {
          if (!answers(r, tag, consoleSessionId)) return undefined;
          if (accepted !== undefined) return KEEP; // e.g. a BMC that answers a repeated RAKP 3 with an error
          if (r.status !== 0) return { refused: r };
          if (!sameCode(rakp4Icv(suite, sik, inputs), r.icv)) return { refused: r };
          accepted = r;
          return KEEP;
        }
        const inSession = decodeIpmi(d, keys);
        if (!inSession.ok || inSession.version !== '2.0' || inSession.packet.sessionId !== consoleSessionId || !inSession.packet.authenticated) return undefined;
        const resp = decodeResponse(inSession.packet.payload);
        return resp !== undefined && resp.rqSeq === probeSeq && resp.command === 0x3b ? { privilege: resp } : undefined;
      });
    if ('refused' in answer) {
      const r4 = answer.refused;
      if (r4.status === 0) {
        throw bmcFailure(this.where, 'RAKP 4', 'the integrity check value does not match: the BMC derived other session keys', 'report this BMC model; try cipher suite 3 or the ipmitool driver');
      }
      if (isCredentialRefusal(r4.status)) throw bmcAuthError(this.where, 'RAKP 4', describeRmcpStatus(r4.status));
      throw bmcFailure(this.where, 'RAKP 4', describeRmcpStatus(r4.status));
    }
    this.keys = keys;
    this.suite = suite;
    this.consoleSessionId = consoleSessionId;
    this.bmcSessionId = opened.bmcSessionId;
    this.sequence = sequence;
    const priv = answer.privilege;
    if (priv.completionCode !== 0) {
      this.drop();
      throw bmcFailure(this.where, 'set session privilege level', describeCompletionCode(priv.completionCode), 'give the BMC user administrator privilege on the LAN channel');
    }
    this.log.debug({ cipherSuite: suite.id }, 'RMCP+ session open');
  }

  /** Send one command in the open session and return the BMC's response (any completion code). */
  async command(request: IpmiRequest, step: string, timeoutMs = this.options.timeoutMs): Promise<IpmiResponse> {
    const keys = this.keys;
    if (keys === undefined) throw new Error(`${step}: no open session`);
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    const rqSeq = this.rqSeq;
    const message = encodeRequest(request, rqSeq);
    return this.net.exchange(step,
      // Every transmission, retransmissions too, takes the next session sequence number.
      () => encodeV20({ payloadType: PayloadType.ipmi, sessionId: this.bmcSessionId, sequence: this.nextSequence(), payload: message, keys }),
      (d) => {
        const r = decodeIpmi(d, keys);
        if (!r.ok || r.version !== '2.0' || r.packet.payloadType !== PayloadType.ipmi || r.packet.sessionId !== this.consoleSessionId || !r.packet.authenticated) return undefined;
        const resp = decodeResponse(r.packet.payload);
        return resp !== undefined && resp.rqSeq === rqSeq && resp.command === request.command && resp.netFn === request.netFn + 1 ? resp : undefined;
      }, timeoutMs);
  }

  /**
   * Send one payload of another type (SOL) in the open session, encrypted and authenticated, with
   * the next session sequence number. Nothing is awaited: the payload's own protocol acknowledges.
   */
  async sendPayload(payloadType: number, payload: Uint8Array): Promise<void> {
    const keys = this.keys;
    if (keys === undefined) throw new Error('send payload: no open session');
    await this.net.send(encodeV20({ payloadType, sessionId: this.bmcSessionId, sequence: this.nextSequence(), payload, keys }));
  }

  /**
   * Hand every datagram of this session with `payloadType` that passes the integrity check to
   * `handler`, decrypted, until the returned function is called. Datagrams of other types (command
   * responses) still reach their exchanges.
   */
  onPayload(payloadType: number, handler: (payload: Buffer) => void): () => void {
    const waiter = (d: Buffer): boolean => {
      const keys = this.keys;
      if (keys === undefined) return false;
      const r = decodeIpmi(d, keys);
      if (!r.ok || r.version !== '2.0' || r.packet.payloadType !== payloadType || r.packet.sessionId !== this.consoleSessionId || !r.packet.authenticated) return false;
      handler(r.packet.payload);
      return true;
    };
    return this.net.listen(waiter);
  }

  /** Close the session on the BMC (best effort: a BMC that is gone cannot be told) and forget it. */
  async close(): Promise<void> {
    if (this.isOpen) {
      try {
        await this.command(closeSession(this.bmcSessionId), 'close session', Math.min(CLOSE_TIMEOUT_MS, this.options.timeoutMs));
      } catch (e) {
        this.log.debug({ err: e }, 'close session got no answer; the BMC drops the session when it times out');
      }
    }
    this.drop();
    this.net.detach();
  }

  interrupt(reason: Error): void {
    this.net.interrupt(reason);
  }

  /** Forget the session without telling the BMC (it stopped answering). */
  drop(): void {
    this.keys = undefined;
    this.suite = undefined;
  }

  private preSession(d: Buffer, payloadType: number): Buffer | undefined {
    const r = decodeIpmi(d);
    return r.ok && r.version === '2.0' && r.packet.payloadType === payloadType && r.packet.sessionId === 0 ? r.packet.payload : undefined;
  }

  private async sendPreSession(payloadType: number, payload: Buffer): Promise<void> {
    await this.net.send(encodeV20({ payloadType, sessionId: 0, sequence: 0, payload }));
  }

  private nextTag(): number {
    this.tag = (this.tag + 1) & 0xff;
    return this.tag;
  }

  private nextSequence(): number {
    this.sequence = (this.sequence + 1) >>> 0 || 1;
    return this.sequence;
  }
}
