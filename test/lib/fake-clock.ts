/** A clock tests move by hand: timers fire in time order, with pending promises settled between them. */
import type { Clock } from '../../bootstrap/ports.js';

interface Timer { at: number; seq: number; fn: () => void }

/** Let every pending promise chain run (several turns of the event loop). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => { this.timers = this.timers.filter((x) => x !== timer); };
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Move time forward by ms, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }

  /** Advance in steps until `done()` or the time budget runs out. */
  async runUntil(done: () => boolean, budgetMs: number, stepMs = 1000): Promise<void> {
    for (let spent = 0; spent < budgetMs && !done(); spent += stepMs) await this.advance(stepMs);
  }
}
