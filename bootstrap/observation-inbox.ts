/**
 * The observations of one node since its last power action, and waiting for one with a deadline on
 * the injected clock. Observations are kept (not consumed): a later phase may already have been
 * proven by what arrived while an earlier one was still being waited for.
 */
import type { Clock } from './ports.js';
import type { Observation } from './observation.js';

interface Waiter {
  match: (o: Observation) => boolean;
  resolve: (o: Observation | undefined) => void;
}

export class ObservationInbox {
  private seen: Observation[] = [];
  private waiters = new Set<Waiter>();

  constructor(private readonly clock: Clock) {}

  push(o: Observation): void {
    this.seen.push(o);
    for (const w of [...this.waiters]) {
      if (w.match(o)) {
        this.waiters.delete(w);
        w.resolve(o);
      }
    }
  }

  /** Forget everything seen so far (after a power action: older requests are stale). */
  clear(): void {
    this.seen = [];
  }

  /** Forget what was seen before `at` (a resumed node: what came before its last power action is stale). */
  forgetBefore(at: number): void {
    this.seen = this.seen.filter((o) => o.at >= at);
  }

  last(): Observation | undefined {
    return this.seen[this.seen.length - 1];
  }

  /** The first observation (seen or future) that matches, or undefined when the deadline passes or the signal aborts. */
  waitFor(match: (o: Observation) => boolean, timeoutMs: number, signal: AbortSignal): Promise<Observation | undefined> {
    const hit = this.seen.find(match);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve) => {
      let cancelTimer = (): void => undefined;
      const done = (o: Observation | undefined): void => {
        this.waiters.delete(waiter);
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const waiter: Waiter = { match, resolve: done };
      const onAbort = (): void => done(undefined);
      if (signal.aborted) {
        resolve(undefined);
        return;
      }
      this.waiters.add(waiter);
      cancelTimer = this.clock.setTimer(timeoutMs, () => done(undefined));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
