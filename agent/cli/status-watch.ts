/**
 * `racker status --watch`: redraw when the agent reports an event (at most four times a second),
 * and every few seconds anyway so "since" columns move on. When the agent goes away the last
 * persisted state is shown, marked, until it is back. Ctrl-C ends it with status 0.
 */
import { Writable } from 'node:stream';
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { collectStatus, formatView, type StatusSource } from './status-source.js';
import { isRackerError } from '../lib/errors.js';
import { waitUntil } from '../lib/backoff.js';

const CLEAR = '\x1b[H\x1b[2J';

export async function watchStatus(s: StatusSource, o: { full: boolean; json: boolean }, ctx: CliContext): Promise<number> {
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  let dirty = true;
  let follower: Promise<void> | undefined;
  const warnings = new ChangedWarnings(s.stderr);
  try {
    while (!stop.signal.aborted) {
      if (dirty) {
        dirty = false;
        const view = await collectStatus({ ...s, stderr: warnings.stream }, o.full);
        warnings.refreshed();
        const text = formatView(view, o);
        if (o.json) writeLine(ctx.stdout, text);
        else ctx.stdout.write(`${ctx.stdout.isTTY === true ? CLEAR : '\n'}${text}\n${new Date().toISOString()}  (watching; Ctrl-C to quit)\n`);
        // Follow the agent's events to know when to redraw; when it stops, poll.
        if (view.source === 'agent' && follower === undefined) {
          follower = s.client.streamEvents('follow=true&limit=0', () => { dirty = true; }, stop.signal)
            .catch((e: unknown) => { if (!isRackerError(e)) throw e; })
            .finally(() => { follower = undefined; dirty = true; });
        }
      }
      await waitFor(() => dirty || stop.signal.aborted, follower === undefined ? 2_000 : 5_000, stop.signal);
      dirty = true;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    stop.abort();
    await follower?.catch(() => undefined);
  }
}

/** Resolve when `cond` holds (checked every 250 ms), after `maxMs`, or on abort. */
async function waitFor(cond: () => boolean, maxMs: number, signal: AbortSignal): Promise<void> {
  await waitUntil(() => (cond() ? true : undefined), { intervalMs: 250, timeoutMs: maxMs, signal }).catch((e: unknown) => {
    if (!signal.aborted) throw e;
  });
}

/**
 * Warnings about the saved files (a damaged event line), once per change: each refresh reads the
 * files again and would say the same again, so a warning the last refresh gave is not repeated; a
 * new one is said, and one that went away and comes back is said again.
 */
class ChangedWarnings {
  private last = new Set<string>();
  private current = new Set<string>();
  readonly stream: Writable;

  constructor(out: Writable) {
    this.stream = new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        const text = String(chunk);
        if (!this.last.has(text) && !this.current.has(text)) out.write(text);
        this.current.add(text);
        done();
      },
    });
  }

  /** A refresh is done: what it warned about is what the next one is compared with. */
  refreshed(): void {
    this.last = this.current;
    this.current = new Set();
  }
}
