/**
 * The one retry helper. Exponential backoff with full jitter, bounded attempts, cancellable.
 * Callers decide what is retryable; a retry must never be used to paper over a wrong password
 * (that locks BMC accounts) or a usage error, so `retryable` defaults to "not a RackerError
 * with exit code 2 and not marked permanent".
 */

export interface BackoffOptions {
  /** Delay before the first retry. */
  minDelayMs: number;
  /** Upper bound for any delay. */
  maxDelayMs: number;
  /** Retries after the first attempt (so maxRetries + 1 attempts in all). Infinity retries forever. */
  maxRetries: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Random spread: 0 = none, 1 = full jitter (delay drawn from [0, d]). Default 0.5. */
  jitter?: number;
  /** Whether an error is worth another try. Default: anything not marked permanent. */
  retryable?: (err: unknown) => boolean;
  /** Told about every failure that will be retried, before the wait. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** An error may say how long to wait (e.g. an HTTP 503 Retry-After), and whether to give up at once. */
export interface RetryHints {
  retryAfterMs?: number;
  permanent?: boolean;
}

/** Delay before retry number `attempt` (1-based), before jitter and bounds. */
export function backoffDelay(attempt: number, o: Pick<BackoffOptions, 'minDelayMs' | 'maxDelayMs' | 'factor' | 'jitter'>, random: () => number = Math.random): number {
  const base = Math.min(o.maxDelayMs, o.minDelayMs * Math.pow(o.factor ?? 2, attempt - 1));
  const jitter = o.jitter ?? 0.5;
  return Math.round(base * (1 - jitter * random()));
}

/**
 * Restarting something that crashed (a supervised process, a worker): the delay grows with each
 * crash in a row and starts over after a run of at least `stableMs`. The one home of that rule for
 * the dnsmasq supervisor and the boot worker pool.
 */
export class RestartBackoff {
  private crashes = 0;

  constructor(private readonly o: Pick<BackoffOptions, 'minDelayMs' | 'maxDelayMs' | 'factor' | 'jitter' | 'random'> & { stableMs: number }) {}

  /** A crash after a run of `ranMs`: which crash in a row it is, and how long to wait before the restart. */
  crashed(ranMs: number): { attempt: number; delayMs: number } {
    this.crashes = ranMs >= this.o.stableMs ? 1 : this.crashes + 1;
    return { attempt: this.crashes, delayMs: backoffDelay(this.crashes, this.o, this.o.random) };
  }

  /** A restart that was asked for, not a crash: the count starts over. */
  reset(): void {
    this.crashes = 0;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const defaultRetryable = (err: unknown): boolean => (err as RetryHints | undefined)?.permanent !== true;

export async function withBackoff<T>(fn: (attempt: number) => Promise<T>, o: BackoffOptions): Promise<T> {
  const wait = o.sleep ?? sleep;
  const retryable = o.retryable ?? defaultRetryable;
  for (let attempt = 0; ; attempt++) {
    o.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= o.maxRetries || !retryable(err) || o.signal?.aborted === true) throw err;
      const hinted = (err as RetryHints | undefined)?.retryAfterMs;
      const delay = hinted !== undefined ? Math.min(hinted, o.maxDelayMs) : backoffDelay(attempt + 1, o, o.random);
      o.onRetry?.(err, attempt + 1, delay);
      await wait(delay, o.signal);
    }
  }
}

export interface WaitUntilOptions {
  /** Time between two checks. */
  intervalMs: number;
  /** Checks in all, at most. */
  attempts?: number;
  /** No further check once this long has passed since the first one. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** What a check that has not come true yet throws inside withBackoff. */
const NOT_YET = new Error('not yet');

/**
 * Check until `check` gives a value, at a steady interval: withBackoff with a fixed delay, so
 * polling has the same one loop as retrying. Resolves to the value, or to undefined once
 * `attempts` or `timeoutMs` run out (the caller says what did not happen). Whatever `check`
 * throws ends the wait at once; an aborted `signal` ends it with its reason.
 */
export async function waitUntil<T>(check: (attempt: number) => Promise<T | undefined> | T | undefined, o: WaitUntilOptions): Promise<T | undefined> {
  const now = o.now ?? Date.now;
  const until = o.timeoutMs === undefined ? Infinity : now() + o.timeoutMs;
  try {
    return await withBackoff(async (attempt) => {
      const v = await check(attempt);
      if (v === undefined) throw NOT_YET;
      return v;
    }, {
      minDelayMs: o.intervalMs, maxDelayMs: o.intervalMs, factor: 1, jitter: 0, maxRetries: (o.attempts ?? Infinity) - 1,
      retryable: (e) => e === NOT_YET && now() < until, signal: o.signal, sleep: o.sleep,
    });
  } catch (e) {
    if (e !== NOT_YET) throw e;
    o.signal?.throwIfAborted();
    return undefined;
  }
}
