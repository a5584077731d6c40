/**
 * The boot data in memory: matchbox's group and profile JSON and its ignition/ and generic/
 * files, parsed and checked once per reload. Pure parsers here; reading the directory and
 * watching it is store.ts.
 *
 * As in matchbox, a group or profile file that does not parse is skipped (and reported), and a
 * group's `mac` selector must be a MAC (the group is skipped otherwise). Unlike matchbox, raw
 * Ignition is checked and encoded when loaded, not per request, and a broken file is served as a
 * 500 naming the problem instead of an empty config.
 */
import { posix } from 'node:path';
import type { Problem } from '../lib/errors.js';
import { parseMac } from './labels.js';
import { GroupIndex, type Group } from './select.js';
import { Template, TemplateError } from './template.js';
import { encodeIgnition, parseIgnition, IgnitionError } from './ignition.js';
import { translateButane, ButaneError, ButaneUnsupportedError } from './butane.js';
import { errorMessage } from '../lib/errors.js';

export interface NetBoot {
  kernel: string;
  initrd: readonly string[];
  args: readonly string[];
}

export interface Profile {
  /** The file stem under profiles/ (what a group's `profile` names). */
  key: string;
  id: string;
  name: string;
  ignitionId: string;
  genericId: string;
  boot: NetBoot | undefined;
}

/** What `/ignition` serves for a profile's `ignition_id`. */
export type IgnitionEntry =
  /** Encoded once at load: serving it is a lookup and one write. */
  | { kind: 'json'; body: Buffer }
  | { kind: 'butane'; template: Template }
  | { kind: 'broken'; status: 500 | 501; reason: string };

export type GenericEntry = { kind: 'template'; template: Template } | { kind: 'broken'; status: 500; reason: string };

export interface BootData {
  groups: GroupIndex;
  profiles: ReadonlyMap<string, Profile>;
  ignition: ReadonlyMap<string, IgnitionEntry>;
  generic: ReadonlyMap<string, GenericEntry>;
  /** Files that were skipped or will fail when requested. */
  problems: readonly Problem[];
}

export const emptyBootData = (): BootData => ({ groups: new GroupIndex([]), profiles: new Map(), ignition: new Map(), generic: new Map(), problems: [] });

/** A boot data file is unusable; carries the located Problem. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
    this.name = 'ProblemError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, key: string, file: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ProblemError({ file, field: key, message: 'must be a string' });
  return v;
}

function parseJson(text: string, file: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ProblemError({ file, message: `not JSON: ${errorMessage(e)}` });
  }
  if (!isObj(v)) throw new ProblemError({ file, message: 'must be a JSON object' });
  return v;
}

/** A groups/<key>.json file. Throws a Problem. */
export function parseGroup(key: string, text: string, file: string): Group {
  const o = parseJson(text, file);
  const selector: Record<string, string> = Object.create(null) as Record<string, string>;
  const sel = o.selector;
  if (sel !== undefined && sel !== null) {
    if (!isObj(sel)) throw new ProblemError({ file, field: 'selector', message: 'must be an object of strings' });
    for (const [k, v] of Object.entries(sel)) {
      if (typeof v !== 'string') throw new ProblemError({ file, field: `selector.${k}`, message: 'must be a string' });
      if (k.toLowerCase() === 'mac') {
        const mac = parseMac(v);
        if (mac === undefined) throw new ProblemError({ file, field: `selector.${k}`, message: `"${v}" is not a MAC address`, hint: 'write it like 52:54:00:a1:9c:ae' });
        selector[k] = mac;
      } else {
        selector[k] = v;
      }
    }
  }
  const md = o.metadata;
  if (md !== undefined && md !== null && !isObj(md)) throw new ProblemError({ file, field: 'metadata', message: 'must be an object' });
  return { key, id: str(o, 'id', file), name: str(o, 'name', file), profile: str(o, 'profile', file), selector, metadata: md ?? undefined };
}

/** A profiles/<key>.json file. Throws a Problem. */
export function parseProfile(key: string, text: string, file: string): Profile {
  const o = parseJson(text, file);
  const id = str(o, 'id', file);
  if (id === '') throw new ProblemError({ file, field: 'id', message: 'is required' });
  let boot: NetBoot | undefined;
  if (o.boot !== undefined && o.boot !== null) {
    if (!isObj(o.boot)) throw new ProblemError({ file, field: 'boot', message: 'must be an object' });
    const list = (k: string): string[] => {
      const v = (o.boot as Obj)[k];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ProblemError({ file, field: `boot.${k}`, message: 'must be a list of strings' });
      return v;
    };
    boot = { kernel: str(o.boot, 'kernel', file), initrd: list('initrd'), args: list('args') };
  }
  return { key, id, name: str(o, 'name', file), ignitionId: str(o, 'ignition_id', file), genericId: str(o, 'generic_id', file), boot };
}

/** matchbox's naming rule for files under ignition/ and generic/: path.Clean("/"+name); NUL refused. */
export function normalizeName(name: string): string | undefined {
  if (name.includes('\0')) return undefined;
  const clean = posix.normalize(`/${name}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return clean === '' ? undefined : clean;
}

/** Raw Ignition (`.ign`/`.ignition`, matchbox's rule) or a Butane template. */
export function parseIgnitionEntry(name: string, text: string, file: string, problems: Problem[]): IgnitionEntry {
  try {
    if (name.endsWith('.ign') || name.endsWith('.ignition')) {
      const checked = parseIgnition(text, file);
      for (const w of checked.warnings) problems.push({ file, message: w });
      return { kind: 'json', body: Buffer.from(encodeIgnition(checked.config), 'utf8') };
    }
    if (!text.includes('{{')) {
      // Nothing to render: translate once now, so mistakes show at load time.
      const t = translateButane(text, file);
      for (const w of t.warnings) problems.push({ file, message: w });
      return { kind: 'json', body: Buffer.from(t.json, 'utf8') };
    }
    return { kind: 'butane', template: Template.parse(file, text) };
  } catch (e) {
    const status = e instanceof ButaneUnsupportedError ? 501 : 500;
    if (e instanceof IgnitionError || e instanceof ButaneError || e instanceof ButaneUnsupportedError || e instanceof TemplateError) {
      problems.push({ file, message: e.message });
      return { kind: 'broken', status, reason: e.message };
    }
    throw e;
  }
}

export function parseGenericEntry(text: string, file: string, problems: Problem[]): GenericEntry {
  try {
    return { kind: 'template', template: Template.parse(file, text) };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    problems.push({ file, message: e.message });
    return { kind: 'broken', status: 500, reason: e.message };
  }
}
