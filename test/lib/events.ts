/** Waiting for events from a typed Emitter in tests, with a deadline so a missing event fails instead of hanging. */
import type { Emitter } from '../../agent/lib/emitter.js';

export function nextEvent<T, S extends T = T>(emitter: Emitter<T>, match: (e: T) => e is S, timeoutMs?: number, what?: string): Promise<S>;
export function nextEvent<T>(emitter: Emitter<T>, match: (e: T) => boolean, timeoutMs?: number, what?: string): Promise<T>;
export function nextEvent<T>(emitter: Emitter<T>, match: (e: T) => boolean, timeoutMs = 5_000, what = 'event'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = emitter.on((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Record every event from now on. */
export function recordEvents<T>(emitter: Emitter<T>): { events: T[]; stop: () => void } {
  const events: T[] = [];
  const stop = emitter.on((e) => events.push(e));
  return { events, stop: () => { stop(); } };
}
