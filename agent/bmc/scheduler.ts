/**
 * How racker paces BMC traffic: a global limit on how many BMCs are busy at once (fan-out), and per
 * BMC one operation at a time with a minimum gap between commands, because fragile BMCs freeze
 * under bursts.
 *
 * INVARIANTS: a Semaphore slot is held for a whole operation and never re-acquired inside it (no
 * nested acquisition, so no deadlock); SerialQueue runs jobs strictly in submission order, and a
 * failed job does not stop the ones after it.
 */
import { sleep } from '../lib/backoff.js';

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Run fn in a slot; a wait for a slot ends with signal's reason when it aborts first. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const take = (): void => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        const leave = (): void => {
          this.waiting.splice(this.waiting.indexOf(take), 1);
          reject(signal?.reason as Error);
        };
        this.waiting.push(take);
        signal?.addEventListener('abort', leave, { once: true });
      });
    } else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next(); // the slot passes straight to the next waiter
      else this.active--;
    }
  }

  get inUse(): number {
    return this.active;
  }
}

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private lastAt = -Infinity;

  /** @param minIntervalMs minimum time between the start of one paced step and the next. */
  constructor(private readonly minIntervalMs: number, private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number) => Promise<void> = sleep) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Wait until the minimum interval since the previous paced step has passed, then mark a new step. */
  async pace(): Promise<void> {
    const wait = this.lastAt + this.minIntervalMs - this.now();
    if (wait > 0) await this.wait(wait);
    this.lastAt = this.now();
  }
}
