/**
 * Items pushed during one turn of the event loop, delivered together when the turn ends
 * (setImmediate), or at once with flush(). Under load that is many items per delivery; when idle
 * an item waits no longer than the current turn. Used where a per-item write costs more than the
 * item: the daemon's log lines (lib/log.ts) and a boot worker's events to the agent.
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private queued = false;

  constructor(private readonly deliver: (items: T[]) => void) {}

  push(item: T): void {
    this.items.push(item);
    if (!this.queued) {
      this.queued = true;
      setImmediate(() => this.flush());
    }
  }

  /** Deliver what is held now (nothing when empty). */
  flush(): void {
    this.queued = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.deliver(items);
  }
}
