/**
 * Group selection, with matchbox's order (matchbox/server/server.go `SelectGroup`,
 * storagepb/group.go `ByReqs`): the matching group with the most selectors wins; ties go to the
 * greater selector string (`k=v` pairs sorted bytewise, joined by `,`, compared bytewise), which is
 * what sorting in reverse does. A selector matches when the label equals its value, and a missing
 * label counts as "" (Go's map lookup), so `{"domain": ""}` matches a request without `domain`.
 *
 * Differences (docs/boot-service.md): groups with the same selector set, which matchbox orders
 * arbitrarily, are ordered by id and then file name, and reported when loaded; and the groups are
 * ranked once per reload and indexed by `mac`, so a request looks at the groups for its MAC plus
 * the groups without a `mac` selector instead of every group.
 */
import type { Labels } from './labels.js';

export interface Group {
  /** The file stem under groups/ (matchbox's key). */
  key: string;
  id: string;
  name: string;
  /** Profile id (file stem under profiles/). */
  profile: string;
  /** Selectors, `mac` values normalised. */
  selector: Readonly<Record<string, string>>;
  /** The group's metadata object, or undefined when the file has none. */
  metadata: Readonly<Record<string, unknown>> | undefined;
}

interface Ranked {
  group: Group;
  rank: number;
  pairs: readonly (readonly [string, string])[];
}

/** A set of groups ranked for selection; immutable, rebuilt on every reload. */
export class GroupIndex {
  private readonly ranked: readonly Ranked[];
  private readonly byMac = new Map<string, Ranked[]>();
  private readonly withoutMac: Ranked[] = [];
  /** Groups whose selector sets are identical (matchbox: nondeterministic), by selector string. */
  readonly duplicates: readonly (readonly Group[])[];

  constructor(groups: readonly Group[]) {
    const keyed = groups.map((g) => ({ g, s: selectorBytes(g.selector) }));
    keyed.sort((a, b) => compareRank(a.g, a.s, b.g, b.s));
    this.ranked = keyed.map(({ g }, rank) => ({ group: g, rank, pairs: Object.entries(g.selector) }));
    const dup: Group[][] = [];
    for (let i = 1; i < keyed.length; i++) {
      const prev = keyed[i - 1];
      const cur = keyed[i];
      if (prev === undefined || cur === undefined) continue;
      if (Object.keys(prev.g.selector).length === Object.keys(cur.g.selector).length && prev.s.equals(cur.s)) {
        const last = dup[dup.length - 1];
        if (last !== undefined && last[last.length - 1] === prev.g) last.push(cur.g);
        else dup.push([prev.g, cur.g]);
      }
    }
    this.duplicates = dup;
    for (const r of this.ranked) {
      const mac = Object.prototype.hasOwnProperty.call(r.group.selector, 'mac') ? r.group.selector.mac : undefined;
      // A `mac: ""` selector cannot come from a file (not a MAC) but would match requests without one.
      if (mac === undefined || mac === '') {
        this.withoutMac.push(r);
      } else {
        const list = this.byMac.get(mac);
        if (list === undefined) this.byMac.set(mac, [r]);
        else list.push(r);
      }
    }
  }

  get size(): number {
    return this.ranked.length;
  }

  /** Every group, best-ranked first. */
  list(): Group[] {
    return this.ranked.map((r) => r.group);
  }

  /** The group matchbox would select for these labels, or undefined (matchbox: 404). */
  select(labels: Labels): Group | undefined {
    let best: Ranked | undefined;
    // A group with a `mac` selector can only match the request's own mac: without one the label
    // counts as "", which no normalised selector value equals.
    const mac = Object.prototype.hasOwnProperty.call(labels, 'mac') ? labels.mac : undefined;
    const candidates = mac === undefined ? undefined : this.byMac.get(mac);
    if (candidates !== undefined) best = candidates.find((r) => matches(r, labels));
    for (const r of this.withoutMac) {
      if (best !== undefined && r.rank > best.rank) break;
      if (matches(r, labels)) {
        best = r;
        break;
      }
    }
    return best?.group;
  }
}

function matches(r: Ranked, labels: Labels): boolean {
  for (const [k, v] of r.pairs) {
    const have = Object.prototype.hasOwnProperty.call(labels, k) ? labels[k] : '';
    if (have !== v) return false;
  }
  return true;
}

/** matchbox's selector string as UTF-8 bytes: sorted `k=v` pairs joined by `,`. */
export function selectorBytes(selector: Readonly<Record<string, string>>): Buffer {
  const pairs = Object.entries(selector).map(([k, v]) => Buffer.from(`${k}=${v}`, 'utf8'));
  pairs.sort((a, b) => Buffer.compare(a, b));
  return Buffer.concat(pairs.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from(','), p])));
}

/** Negative when `a` is tried before `b`. */
function compareRank(a: Group, as: Buffer, b: Group, bs: Buffer): number {
  const na = Object.keys(a.selector).length;
  const nb = Object.keys(b.selector).length;
  if (na !== nb) return nb - na;
  const bySelector = Buffer.compare(bs, as);
  if (bySelector !== 0) return bySelector;
  // racker's deterministic tie-break for equal selector sets (matchbox: unspecified).
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
