/**
 * One RMCP+ session with one BMC: Get Channel Authentication Capabilities, Open Session, RAKP 1–4
 * with each cipher suite in the configured order until one is accepted, Set Session Privilege
 * Level, then authenticated and encrypted commands with sequence numbers and retransmission, and
 * Close Session.
 *
 * INVARIANTS: the owner runs one exchange at a time (lanplus-client.ts serialises); a response is
 * taken only if it decodes and passes the integrity check with this session's keys and echoes the
 * request's sequence and command, so a late answer to an earlier request is never mistaken for
 * the current one. The password is used only as an HMAC key and never logged.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../lib/log.js';
import { isSystemError } from '../../lib/errors.js';
import { backoffDelay, withBackoff } from '../../lib/backoff.js';
import type { BmcTarget } from '../bmc-client.js';
import { bmcAuthError, bmcFailure, bmcTimeoutError, bmcUnsupportedError, type BmcWhere } from '../errors.js';
import { CIPHER_SUITES, deriveSessionKeys, rakp2AuthCode, rakp3AuthCode, rakp4Icv, sameCode, sessionIntegrityKey, type CipherSuite, type RakpInputs, type SessionKeys } from './crypto.js';
import { decodeIpmi, encodeV15, encodeV20, PayloadType } from './packet.js';
import { decodeResponse, describeCompletionCode, encodeRequest, type IpmiRequest, type IpmiResponse } from './message.js';
import { closeSession, decodeChannelAuthCaps, getChannelAuthCaps, setSessionPrivilege } from './commands.js';
import { decodeOpenSessionResponse, decodeRakp2, decodeRakp4, describeRmcpStatus, type Rakp4, encodeOpenSessionRequest, encodeRakp1, encodeRakp3, isCipherRefusal, isCredentialRefusal, NAME_ONLY_LOOKUP, Privilege } from './rakp.js';
import { decodeAsfPong, encodeAsfPing } from './rmcp.js';
import { resolveEndpoint, type DatagramTransport, type Endpoint } from './transport.js';

export interface SessionOptions {
  /** Cipher suites to offer, in order of preference. */
  cipherSuites: ReadonlyArray<3 | 17>;
  /** Budget of one request/response exchange, retransmissions included. */
  timeoutMs: number;
  /** Retransmissions per exchange. */
  retries: number;
  /** Wait before the first retransmission; doubles for each further one. */
  retransmitMs: number;
  privilege?: number;
}

/** An attempt that got no answer (internal: becomes RACKER_E_BMC_TIMEOUT when retries run out). */
class NoAnswer extends Error {}
/** The BMC refused a cipher suite (internal: try the next). */
class CipherRefused extends Error {}

const CLOSE_TIMEOUT_MS = 1000;

/** Whether a handshake response answers our request: our session ID, or (short error responses carry none) our tag. */
function answers(r: { tag: number; status: number; consoleSessionId: number | undefined }, tag: number, consoleSessionId: number): boolean {
  return r.consoleSessionId === undefined ? r.status !== 0 && r.tag === tag : r.consoleSessionId === consoleSessionId;
}

export class LanplusSession {
  private keys: SessionKeys | undefined;
  private suite: CipherSuite | undefined;
  private consoleSessionId = 0;
  private bmcSessionId = 0;
  private sequence = 0;
  private rqSeq = 0;
  private tag = 0;
  private endpoint: Endpoint | undefined;
  private unregister: (() => void) | undefined;
  private waiter: ((datagram: Buffer) => boolean) | undefined;

  constructor(private readonly target: BmcTarget, private readonly options: SessionOptions, private readonly transport: DatagramTransport, private readonly log: Logger) {}

  get isOpen(): boolean {
    return this.keys !== undefined;
  }

  /** The cipher suite in use, once open. */
  get cipherSuite(): 3 | 17 | undefined {
    return this.suite?.id;
  }

  private get where(): BmcWhere {
    return { node: this.target.node, address: this.target.address, port: this.target.port };
  }

  private get privilege(): number {
    return this.options.privilege ?? Privilege.administrator;
  }

  /** ASF presence ping: true when the BMC answers, false when it does not within the timeout. */
  async ping(): Promise<boolean> {
    const tag = this.nextTag();
    try {
      await this.exchange('RMCP presence ping', () => encodeAsfPing(tag), (d) => (decodeAsfPong(d)?.tag === tag ? true : undefined));
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'RACKER_E_BMC_TIMEOUT') return false;
      throw e;
    }
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const caps = await this.exchange('get channel authentication capabilities',
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
    const suites = this.options.cipherSuites;
    for (const [i, id] of suites.entries()) {
      try {
        await this.handshake(CIPHER_SUITES[id]);
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

  private async handshake(suite: CipherSuite): Promise<void> {
    const consoleSessionId = randomBytes(4).readUInt32LE() || 1;
    const role = NAME_ONLY_LOOKUP | this.privilege;
    const password = Buffer.from(this.target.password, 'utf8');
    let tag = this.nextTag();
    const opened = await this.exchange('open session',
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
    const consoleRandom = randomBytes(16);
    tag = this.nextTag();
    const r2 = await this.exchange('RAKP 1',
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
    // If RAKP 4 is lost, the BMC has activated the session and ignores a repeated RAKP 3. So every
    // retransmission also carries Set Session Privilege Level inside the new session: an answer
    // to it passes the integrity check only if the BMC derived the same keys from our password.
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    const probeSeq = this.rqSeq;
    const probe = encodeRequest(setSessionPrivilege(this.privilege), probeSeq);
    let sequence = 0;
    tag = this.nextTag();
    const rakp3 = encodeV20({ payloadType: PayloadType.rakp3, sessionId: 0, sequence: 0, payload: encodeRakp3(tag, 0, opened.bmcSessionId, rakp3AuthCode(suite, password, inputs)) });
    const answer = await this.exchange('RAKP 3',
      (attempt) => attempt === 0 ? rakp3 : [rakp3, encodeV20({ payloadType: PayloadType.ipmi, sessionId: opened.bmcSessionId, sequence: ++sequence, payload: probe, keys })],
      (d): { rakp4: Rakp4 } | { privilege: IpmiResponse } | undefined => {
        const p = this.preSession(d, PayloadType.rakp4);
        const r = p === undefined ? undefined : decodeRakp4(p, suite);
        if (r !== undefined) return answers(r, tag, consoleSessionId) ? { rakp4: r } : undefined;
        const inSession = decodeIpmi(d, keys);
        if (!inSession.ok || inSession.version !== '2.0' || inSession.packet.sessionId !== consoleSessionId || !inSession.packet.authenticated) return undefined;
        const resp = decodeResponse(inSession.packet.payload);
        return resp !== undefined && resp.rqSeq === probeSeq && resp.command === 0x3b ? { privilege: resp } : undefined;
      });
    if ('rakp4' in answer) {
      const r4 = answer.rakp4;
      if (r4.status !== 0) {
        if (isCredentialRefusal(r4.status)) throw bmcAuthError(this.where, 'RAKP 4', describeRmcpStatus(r4.status));
        throw bmcFailure(this.where, 'RAKP 4', describeRmcpStatus(r4.status));
      }
      if (!sameCode(rakp4Icv(suite, sik, inputs), r4.icv)) {
        throw bmcFailure(this.where, 'RAKP 4', 'the integrity check value does not match: the BMC derived other session keys', 'report this BMC model; try cipher suite 3 or the ipmitool driver');
      }
    }
    this.keys = keys;
    this.suite = suite;
    this.consoleSessionId = consoleSessionId;
    this.bmcSessionId = opened.bmcSessionId;
    this.sequence = sequence;
    const priv = 'privilege' in answer ? answer.privilege : await this.command(setSessionPrivilege(this.privilege), 'set session privilege level');
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
    return this.exchange(step,
      // Every transmission, retransmissions too, takes the next session sequence number.
      () => encodeV20({ payloadType: PayloadType.ipmi, sessionId: this.bmcSessionId, sequence: this.nextSequence(), payload: message, keys }),
      (d) => {
        const r = decodeIpmi(d, keys);
        if (!r.ok || r.version !== '2.0' || r.packet.payloadType !== PayloadType.ipmi || r.packet.sessionId !== this.consoleSessionId || !r.packet.authenticated) return undefined;
        const resp = decodeResponse(r.packet.payload);
        return resp !== undefined && resp.rqSeq === rqSeq && resp.command === request.command && resp.netFn === request.netFn + 1 ? resp : undefined;
      }, timeoutMs);
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
    this.unregister?.();
    this.unregister = undefined;
    this.endpoint = undefined;
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
    await this.transport.send(await this.attach(), encodeV20({ payloadType, sessionId: 0, sequence: 0, payload }));
  }

  private nextTag(): number {
    this.tag = (this.tag + 1) & 0xff;
    return this.tag;
  }

  private nextSequence(): number {
    this.sequence = (this.sequence + 1) >>> 0 || 1;
    return this.sequence;
  }

  private async attach(): Promise<Endpoint> {
    if (this.endpoint !== undefined) return this.endpoint;
    const endpoint = await resolveEndpoint({ address: this.target.address, port: this.target.port });
    this.unregister = this.transport.register(endpoint, (d) => this.waiter?.(d) === true);
    this.endpoint = endpoint;
    return endpoint;
  }

  /**
   * Send what `build` makes and wait for a datagram `match` accepts; retransmit (rebuilt, so each
   * gets a fresh sequence number) after a growing wait until the budget or the retries run out.
   */
  private async exchange<T>(step: string, build: (attempt: number) => Buffer | Buffer[], match: (d: Buffer) => T | undefined, timeoutMs = this.options.timeoutMs): Promise<T> {
    const endpoint = await this.attach();
    const started = performance.now();
    const deadline = started + timeoutMs;
    let answer: { value: T } | undefined;
    let wake: (() => void) | undefined;
    this.waiter = (d) => {
      const value = match(d);
      if (value === undefined) return false;
      answer ??= { value };
      wake?.();
      return true;
    };
    try {
      return await withBackoff(async (attempt) => {
        if (answer !== undefined) return answer.value;
        const datagrams = build(attempt);
        for (const d of Array.isArray(datagrams) ? datagrams : [datagrams]) await this.transport.send(endpoint, d);
        const wait = Math.min(deadline - performance.now(), backoffDelay(attempt + 1, { minDelayMs: this.options.retransmitMs, maxDelayMs: timeoutMs, jitter: 0.2 }));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, wait));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        // Assigned by the receiver while we waited (the compiler cannot see that).
        const late = answer as { value: T } | undefined;
        if (late !== undefined) return late.value;
        throw new NoAnswer(step);
      }, {
        minDelayMs: 0,
        maxDelayMs: 0,
        maxRetries: this.options.retries,
        retryable: (e) => e instanceof NoAnswer && performance.now() < deadline,
        onRetry: (_e, attempt) => this.log.debug({ step, attempt }, 'no answer yet, retransmitting'),
      });
    } catch (e) {
      if (e instanceof NoAnswer) throw bmcTimeoutError(this.where, step, Math.round(performance.now() - started));
      if (isSystemError(e)) throw bmcFailure(this.where, step, `cannot send to the BMC: ${e.code}`, 'check the route to the BMC network (ip route get <address>)');
      throw e;
    } finally {
      this.waiter = undefined;
    }
  }
}
