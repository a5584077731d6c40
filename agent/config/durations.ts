/**
 * racker's one convention for durations in the configuration: a plain number in the unit the
 * setting's name ends with, `…Ms` (milliseconds) or `…Seconds` (the phase deadlines too:
 * `bootstrap.deadlines.dhcpSeconds`). A value written the way other tools take durations ("30s",
 * "500ms", "5m") is refused with the number to write instead.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** The unit a duration setting is in, from its dotted path; undefined when it is not a duration. */
export function durationUnit(path: readonly string[]): 'milliseconds' | 'seconds' | undefined {
  const key = path.at(-1) ?? '';
  if (key.endsWith('Ms')) return 'milliseconds';
  if (key.endsWith('Seconds')) return 'seconds';
  return undefined;
}

/** For a duration setting given as text: what is wrong and the number to write; undefined otherwise. */
export function durationProblem(path: readonly string[], value: unknown): { message: string; hint: string } | undefined {
  const unit = durationUnit(path);
  if (unit === undefined || typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*$/i.exec(value);
  const message = `takes a number of ${unit}, not the text "${value.slice(0, 40)}"`;
  if (m === null) return { message, hint: `write a plain number of ${unit} (every duration setting names its unit: …Ms or …Seconds)` };
  const ms = Number(m[1]) * (UNIT_MS[(m[2] as string).toLowerCase()] as number);
  const n = unit === 'milliseconds' ? ms : ms / 1000;
  return { message, hint: `write ${Number.isInteger(n) ? n : n.toFixed(3)} (${unit}) for ${value.trim()}` };
}
