/**
 * Events that any client on the rack's network can cause (boot requests, TFTP, DHCP from unknown
 * MACs) are logged one by one up to `perSecond`; past that they are counted, and one summary
 * event says how many of each kind were not logged. A request flood then costs a few events a
 * second, so it neither bloats the event log nor pushes a job's events out of it.
 */
import type { NewEvent } from './event-log.js';

export const SAMPLED_EVENT_TYPE = 'events.sampled';

export class EventSampler {
  private windowStart = Number.NEGATIVE_INFINITY;
  private admitted = 0;
  private readonly counted = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly record: (e: NewEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Record `e` now, or count it for the next summary. */
  offer(e: NewEvent): void {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.flush();
      this.windowStart = t;
      this.admitted = 0;
    }
    if (this.admitted < this.perSecond) {
      this.admitted += 1;
      this.record(e);
      return;
    }
    this.counted.set(e.type, (this.counted.get(e.type) ?? 0) + 1);
    // The summary also comes when the flood stops and nothing opens a new window.
    this.timer ??= setTimeout(() => { this.timer = undefined; this.flush(); }, 1000).unref();
  }

  /** Record the summary of what was counted (nothing when nothing was). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counted.size === 0) return;
    const counts = Object.fromEntries(this.counted);
    const total = [...this.counted.values()].reduce((a, b) => a + b, 0);
    this.counted.clear();
    this.record({
      type: SAMPLED_EVENT_TYPE, level: 'warn', data: { counts, perSecond: this.perSecond },
      message: `${total} network events not logged one by one (more than ${this.perSecond} a second): ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    });
  }
}
