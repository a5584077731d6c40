/**
 * Settings that were renamed. An operator's racker.yaml written for an older racker keeps working
 * after an upgrade (a configuration that stopped loading would stop the agent, at the worst time):
 * the old name is read as the new one, with a warning naming the file, the line and the new key,
 * so the file can be fixed at leisure. Setting both names is an error (which one would win is not
 * obvious). Pure.
 */
import type { Problem } from '../lib/errors.js';
import { deadlinesSchema } from './sections/bootstrap.js';

interface Rename {
  /** The mapping holding the setting. */
  section: readonly string[];
  from: string;
  to: string;
}

/** bootstrap.deadlines.<phase> → <phase>Seconds (every duration names its unit, docs/configuration.md). */
export const RENAMED: readonly Rename[] = Object.keys(deadlinesSchema.shape).map((to) => ({ section: ['bootstrap', 'deadlines'], from: to.replace(/Seconds$/, ''), to }));

export interface Renamed {
  /** The configuration with every old name replaced by its new one. */
  raw: Record<string, unknown>;
  /** One per old name read (a deprecation). */
  warnings: Problem[];
  /** Old and new name both set. */
  problems: Problem[];
  /** New dotted path → the old path it was read from, so a problem with its value points at the line the file has. */
  readFrom: Map<string, readonly string[]>;
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read old names as new ones. `lineOf` locates a dotted path in the file. */
export function applyRenames(raw: Mapping, file: string, lineOf: (path: readonly string[]) => number | undefined): Renamed {
  const warnings: Problem[] = [];
  const problems: Problem[] = [];
  const readFrom = new Map<string, readonly string[]>();
  let out = raw;
  for (const r of RENAMED) {
    const parent = r.section.reduce<unknown>((v, k) => (isMapping(v) ? v[k] : undefined), out);
    if (!isMapping(parent) || !(r.from in parent)) continue;
    const field = [...r.section, r.from].join('.');
    const line = lineOf([...r.section, r.from]);
    const { [r.from]: value, ...rest } = parent;
    if (r.to in parent) {
      // Reported once, as this (not also as an unknown setting).
      problems.push({ file, line, field, message: `set twice: as ${r.from} (its old name) and as ${r.to}`, hint: `delete ${r.from}, keep ${r.to}` });
      out = withAt(out, r.section, rest);
      continue;
    }
    warnings.push({ file, line, field, message: `deprecated name: this setting is now ${[...r.section, r.to].join('.')} (same value, seconds); read as that`, hint: `rename ${r.from} to ${r.to}` });
    out = withAt(out, r.section, { ...rest, [r.to]: value });
    readFrom.set([...r.section, r.to].join('.'), [...r.section, r.from]);
  }
  return { raw: out, warnings, problems, readFrom };
}

/** A copy of `m` with the mapping at `path` replaced. */
function withAt(m: Mapping, path: readonly string[], value: Mapping): Mapping {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const child = m[head];
  return { ...m, [head]: withAt(isMapping(child) ? child : {}, rest, value) };
}
