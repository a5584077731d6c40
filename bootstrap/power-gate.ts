/**
 * Staggered power-on: at most one power action per interval across the whole rack, so a rack of
 * servers does not draw its inrush current at once (--power-on-interval).
 *
 * INVARIANTS: slots are handed out in request order; each slot starts at least intervalMs after the
 * previous one; a waiter whose signal aborts gives its turn to the next.
 */
import { clockSleep, type Clock } from './ports.js';

export class PowerGate {
  private next = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly clock: Clock, private readonly intervalMs: number) {}

  /** Resolves when it is this caller's turn to switch power on. */
  turn(signal: AbortSignal): Promise<void> {
    const mine = this.queue.then(() => this.wait(signal));
    this.queue = mine.catch(() => undefined);
    return mine;
  }

  private wait(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const now = this.clock.now();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at <= now) return Promise.resolve();
    return clockSleep(this.clock, at - now, signal);
  }
}
