/**
 * The datagrams of one BMC: requests sent, answers matched, retransmission. A session (session.ts)
 * says what to send and which datagram answers it; this file owns the endpoint, the listeners on
 * the shared transport and the retransmission schedule.
 *
 * INVARIANTS: a datagram goes to the first listener that claims it (an exchange in flight or a
 * payload handler such as SOL); exchanges in flight together match disjoint answers. Each
 * retransmission is rebuilt, so it carries a fresh sequence number. interrupt() ends every exchange
 * in flight at once.
 */
import type { Logger } from '../../lib/log.js';
import { isSystemError } from '../../lib/errors.js';
import { backoffDelay, withBackoff } from '../../lib/backoff.js';
import type { BmcTarget } from '../bmc-client.js';
import { bmcFailure, bmcTimeoutError, type BmcWhere } from '../errors.js';
import { resolveEndpoint, type DatagramTransport, type Endpoint } from './transport.js';

/** What a matcher returns for a datagram that is its own but does not end the exchange. */
export const KEEP = Symbol('keep waiting');

/** Decides whether a datagram answers the exchange: its value, KEEP, or undefined (not ours). */
export type Match<T> = (d: Buffer) => T | typeof KEEP | undefined;

export interface ExchangeOptions {
  /** Budget of one request/response exchange, retransmissions included. */
  timeoutMs: number;
  /** Retransmissions per exchange. */
  retries: number;
  /** Wait before the first retransmission; doubles for each further one. */
  retransmitMs: number;
}

/** An attempt that got no answer (internal: becomes RACKER_E_BMC_TIMEOUT when retries run out). */
class NoAnswer extends Error {}

/**
 * The wait between retransmissions doubles from retransmitMs up to this many times retransmitMs.
 * Uncapped, a 20 s budget bought only 8 attempts (0.1, 0.2, … 12.8 s): at 25 % loss each way an
 * attempt fails 44 % of the time, so one exchange in ~750 ran out of budget with retries left,
 * which failed the loss test in one run out of ten. Capped, the retries are spent, not the clock.
 */
const MAX_RETRANSMIT_FACTOR = 4;

export class BmcExchanges {
  private endpoint: Endpoint | undefined;
  private unregister: (() => void) | undefined;
  private readonly listeners = new Set<(datagram: Buffer) => boolean>();
  private readonly inFlight = new Set<(reason: Error) => void>();

  constructor(private readonly target: Pick<BmcTarget, 'address' | 'port'>, private readonly options: ExchangeOptions,
    private readonly transport: DatagramTransport, private readonly where: BmcWhere, private readonly log: Logger) {}

  /** Send one datagram, nothing awaited. */
  async send(datagram: Buffer): Promise<void> {
    await this.transport.send(await this.attach(), datagram);
  }

  /** Offer every datagram from the BMC to `listener` (true: it was the listener's) until the returned function is called. */
  listen(listener: (datagram: Buffer) => boolean): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Make every exchange in flight fail now with `reason`. */
  interrupt(reason: Error): void {
    for (const stop of [...this.inFlight]) stop(reason);
  }

  /** Stop receiving from the BMC; the next send registers again. */
  detach(): void {
    this.unregister?.();
    this.unregister = undefined;
    this.endpoint = undefined;
  }

  /**
   * Send what `build` makes and wait for a datagram `match` accepts; retransmit (rebuilt, so each
   * gets a fresh sequence number) after a growing wait until the budget or the retries run out.
   */
  async exchange<T>(step: string, build: (attempt: number) => Buffer | Buffer[], match: Match<T>, timeoutMs = this.options.timeoutMs): Promise<T> {
    const endpoint = await this.attach();
    const started = performance.now();
    const deadline = started + timeoutMs;
    let answer: { value: T } | undefined;
    let wake: (() => void) | undefined;
    let interrupted: Error | undefined;
    const stop = (reason: Error): void => {
      interrupted = reason;
      wake?.();
    };
    this.inFlight.add(stop);
    const stopListening = this.listen((d) => {
      const value = match(d);
      if (value === undefined) return false;
      if (value === KEEP) return true;
      answer ??= { value };
      wake?.();
      return true;
    });
    try {
      return await withBackoff(async (attempt) => {
        if (answer !== undefined) return answer.value;
        if (interrupted !== undefined) throw interrupted;
        const datagrams = build(attempt);
        for (const d of Array.isArray(datagrams) ? datagrams : [datagrams]) await this.transport.send(endpoint, d);
        const wait = Math.min(deadline - performance.now(), backoffDelay(attempt + 1, { minDelayMs: this.options.retransmitMs, maxDelayMs: Math.min(timeoutMs, this.options.retransmitMs * MAX_RETRANSMIT_FACTOR), jitter: 0.2 }));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, wait));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          if (interrupted !== undefined) wake();
        });
        // Assigned by the receiver while we waited (the compiler cannot see that).
        const late = answer as { value: T } | undefined;
        if (late !== undefined) return late.value;
        if (interrupted !== undefined) throw interrupted as Error;
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
      stopListening();
      this.inFlight.delete(stop);
    }
  }

  private async attach(): Promise<Endpoint> {
    if (this.endpoint !== undefined) return this.endpoint;
    const endpoint = await resolveEndpoint({ address: this.target.address, port: this.target.port });
    this.unregister = this.transport.register(endpoint, (d) => {
      for (const listener of this.listeners) if (listener(d)) return true;
      return false;
    });
    this.endpoint = endpoint;
    return endpoint;
  }
}
