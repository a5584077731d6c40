/**
 * A serial console over racker's own RMCP+ session (no ipmitool): drop a dangling SOL session
 * (a BMC allows one, and a dropped SSH connection leaves it open), activate SOL, then carry
 * characters both ways with SOL's own acknowledgements, and deactivate on close.
 *
 * INVARIANTS: one packet to the BMC is unacknowledged at a time; it is sent again after
 * retransmitMs until acknowledged, `retries` times at most; what the BMC did not accept is sent
 * again in the next packet. A packet from the BMC is acknowledged every time it arrives and shown
 * once (a repeat of the last sequence number is the BMC not having seen our acknowledgement).
 */
import type { Logger } from '../../lib/log.js';
import type { BmcTarget } from '../bmc-client.js';
import { bmcFailure, bmcUnsupportedError, whereOf, type BmcWhere } from '../errors.js';
import { describeCompletionCode, isUnsupportedCode } from './message.js';
import type { LanplusSession } from './session.js';
import { getDeviceId } from './commands.js';
import { ACTIVATE_ERRORS, activateSol, ALREADY_DEACTIVATED, deactivateSol, decodeActivateSol, decodeSol, encodeSol, nextSolSeq, SOL_PAYLOAD, SolBits, type SolPacket } from './sol.js';

export interface SolConsoleOptions {
  retransmitMs: number;
  retries: number;
  /** A harmless command this long after the last traffic keeps the session (0: never). */
  keepAliveMs: number;
}

/** Why the console ended: the user detached (close()), or the BMC ended it (error set). */
export interface SolEnd {
  error?: Error;
}

export class SolConsole {
  private queue: Buffer = Buffer.alloc(0);
  private inFlight: { seq: number; data: Buffer; tries: number; timer: NodeJS.Timeout } | undefined;
  private outSeq = 0;
  private lastInSeq = 0;
  private maxOutbound = 200;
  private unregister: (() => void) | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private finish: ((end: SolEnd) => void) | undefined;
  /** Resolves when the console ends, by close() or by the BMC. */
  readonly ended: Promise<SolEnd>;

  constructor(private readonly session: LanplusSession, private readonly target: BmcTarget, private readonly options: SolConsoleOptions,
    private readonly output: (data: Buffer) => void, private readonly log: Logger) {
    this.ended = new Promise((resolve) => { this.finish = resolve; });
  }

  private get where(): BmcWhere {
    return whereOf(this.target, 'ipmi');
  }

  /** Open the session, drop a dangling SOL session, activate SOL. */
  async open(): Promise<void> {
    await this.session.open();
    const dangling = await this.session.command(deactivateSol(), 'deactivate a dangling SOL session');
    if (dangling.completionCode === 0) this.log.info({ node: this.target.node }, 'deactivated a dangling SOL session');
    else if (dangling.completionCode !== ALREADY_DEACTIVATED) this.log.debug({ cc: dangling.completionCode }, 'deactivate payload refused; activating anyway');
    const step = 'activate SOL';
    const r = await this.session.command(activateSol(), step);
    if (r.completionCode !== 0) {
      const why = ACTIVATE_ERRORS[r.completionCode] ?? describeCompletionCode(r.completionCode);
      if (isUnsupportedCode(r.completionCode) || r.completionCode === 0x81) throw bmcUnsupportedError(this.where, step, why, 'enable SOL on the BMC (ipmitool sol set enabled true), or use the ipmitool driver for this node');
      throw bmcFailure(this.where, step, why);
    }
    const activation = decodeActivateSol(r.data);
    if (activation === undefined) throw bmcFailure(this.where, step, 'short response');
    this.maxOutbound = activation.maxOutbound;
    if (activation.port !== this.target.port) this.log.debug({ port: activation.port }, 'the BMC names another SOL port; staying on the session\'s');
    this.unregister = this.session.onPayload(SOL_PAYLOAD, (p) => this.received(p));
    this.scheduleKeepAlive();
  }

  /** Characters typed: sent in order, as fast as the BMC acknowledges them. */
  send(data: Buffer): void {
    this.queue = Buffer.concat([this.queue, data]);
    this.pump();
  }

  /** Deactivate SOL and close the session (best effort: the BMC may be gone). */
  async close(): Promise<void> {
    this.end({});
    try {
      await this.session.command(deactivateSol(), 'deactivate SOL', 2_000);
    } catch (e) {
      this.log.debug({ err: e }, 'deactivate SOL got no answer');
    }
    await this.session.close();
  }

  private received(payload: Buffer): void {
    const p = decodeSol(payload);
    if (p === undefined) return;
    this.scheduleKeepAlive();
    this.acknowledged(p);
    if (p.seq !== 0) {
      if (p.seq !== this.lastInSeq) {
        this.lastInSeq = p.seq;
        if (p.data.length > 0) this.output(p.data);
      }
      this.transmit(encodeSol({ seq: 0, ack: p.seq, accepted: p.data.length, data: Buffer.alloc(0) }));
    }
    if ((p.status & SolBits.deactivating) !== 0) this.end({ error: bmcFailure(this.where, 'SOL', 'the BMC ended the SOL session (another console took it, or SOL was disabled)') });
  }

  /** An acknowledgement of the packet in flight: drop what the BMC accepted, send the rest next. */
  private acknowledged(p: SolPacket): void {
    const f = this.inFlight;
    if (f === undefined || p.ack !== f.seq || (p.status & SolBits.nack) !== 0) return; // a NACK: the retransmission timer sends it again
    clearTimeout(f.timer);
    this.inFlight = undefined;
    const accepted = p.accepted === 0 || p.accepted > f.data.length ? f.data.length : p.accepted;
    this.queue = Buffer.concat([f.data.subarray(accepted), this.queue]);
    this.pump();
  }

  private pump(): void {
    if (this.inFlight !== undefined || this.queue.length === 0 || this.finish === undefined) return;
    const data = this.queue.subarray(0, this.maxOutbound);
    this.queue = this.queue.subarray(data.length);
    this.outSeq = nextSolSeq(this.outSeq);
    const seq = this.outSeq;
    const packet = encodeSol({ seq, ack: 0, accepted: 0, data });
    const attempt = (tries: number): void => {
      if (tries > this.options.retries) {
        this.end({ error: bmcFailure(this.where, 'SOL', `the BMC did not acknowledge typed characters after ${tries} tries`) });
        return;
      }
      this.transmit(packet);
      this.inFlight = { seq, data, tries, timer: setTimeout(() => attempt(tries + 1), this.options.retransmitMs) };
    };
    attempt(0);
  }

  private transmit(packet: Buffer): void {
    this.session.sendPayload(SOL_PAYLOAD, packet).catch((err: unknown) => this.end({ error: bmcFailure(this.where, 'SOL', `cannot send to the BMC: ${(err as Error).message}`) }));
  }

  private scheduleKeepAlive(): void {
    clearTimeout(this.keepAlive);
    if (this.options.keepAliveMs <= 0 || this.finish === undefined) return;
    this.keepAlive = setTimeout(() => {
      this.session.command(getDeviceId(), 'keep the SOL session alive').then(() => this.scheduleKeepAlive(), (err: unknown) => this.end({ error: err as Error }));
    }, this.options.keepAliveMs);
  }

  private end(end: SolEnd): void {
    const finish = this.finish;
    if (finish === undefined) return;
    this.finish = undefined;
    clearTimeout(this.keepAlive);
    if (this.inFlight !== undefined) clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    this.unregister?.();
    finish(end);
  }
}
