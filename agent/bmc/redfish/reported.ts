/**
 * Which fields a Redfish reading looked for and the BMC did not report: `racker ipmi` prints them
 * as "not reported by this BMC" instead of leaving them out, so an operator can tell a field the
 * protocol has no place for from one this BMC leaves empty.
 */

/** `{ notReported: [...] }` for the keys of `info` that are undefined, or nothing when all are there. */
export function notReported<T extends object>(info: T, keys: ReadonlyArray<keyof T & string>): { notReported?: string[] } {
  const missing = keys.filter((k) => info[k] === undefined);
  return missing.length === 0 ? {} : { notReported: missing };
}
