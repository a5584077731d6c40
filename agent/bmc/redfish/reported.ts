/**
 * Which fields a Redfish reading looked for and the BMC did not report: `racker ipmi` prints them
 * as "not reported by this BMC" instead of leaving them out, so an operator can tell a field the
 * protocol has no place for from one this BMC leaves empty. Also what counts as reported: a
 * value that is neither absent, null nor empty text.
 */

/** `{ notReported: [...] }` for the keys of `info` that are undefined, or nothing when all are there. */
export function notReported<T extends object>(info: T, keys: ReadonlyArray<keyof T & string>): { notReported?: string[] } {
  const missing = keys.filter((k) => info[k] === undefined);
  return missing.length === 0 ? {} : { notReported: missing };
}

/** A text field as reported: undefined when absent, null or empty (vendors send "" for "not set"). */
export const given = (v: string | null | undefined): string | undefined => (v === undefined || v === null || v.trim() === '' ? undefined : v.trim());

/** `o` without its undefined fields (so absent ones stay absent in --json). */
export const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
