/**
 * Ignition configs: check a parsed config against the 3.x types, and print it byte for byte as
 * matchbox does (Go `json.Marshal` of the typed config: struct order, empty structs present,
 * `<`, `>`, `&` escaped as \u003c, \u003e, \u0026).
 *
 * Versions (docs/boot-service.md): matchbox v0.11 up-translates everything to 3.4.0. racker
 * serves 3.3.0, the newest spec that Debian's ignition-validate and every Flatcar release with
 * Ignition v2 accept: configs 3.0.0–3.3.0 are served as 3.3.0 (3.x is additive, so this is a
 * version change only), a 3.4.0 config is served as 3.4.0, anything else is refused. Unknown keys
 * are dropped with a warning, as Go's decoder drops them; wrong types and the mistakes Ignition
 * would reject on the node (relative paths, unit names without a type, duplicates) are errors.
 */
import { STRUCTS, type Field, type FieldType } from './ignition-schema.js';
import { errorMessage } from '../lib/errors.js';

/** The spec version racker generates and up-translates to. */
export const IGNITION_VERSION = '3.3.0';
const ACCEPTED = new Set(['3.0.0', '3.1.0', '3.2.0', '3.3.0', '3.4.0']);

/** A config is unusable; `problems` are `json.path: message` lines. */
export class IgnitionError extends Error {
  constructor(readonly where: string, readonly problems: readonly string[]) {
    super(`${where}: invalid Ignition config: ${problems.join('; ')}`);
    this.name = 'IgnitionError';
  }
}

export interface CheckedIgnition {
  /** The config with unknown keys removed and version set to the served version. */
  config: Record<string, unknown>;
  version: string;
  /** Unknown keys that were dropped. */
  warnings: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Check a parsed config; throws IgnitionError listing every problem. */
export function checkIgnition(raw: unknown, where: string): CheckedIgnition {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!isObj(raw)) throw new IgnitionError(where, ['the config must be a JSON object']);
  const ign = raw.ignition;
  const declared = isObj(ign) ? ign.version : undefined;
  if (typeof declared !== 'string') throw new IgnitionError(where, ['ignition.version is missing (expected e.g. "3.3.0")']);
  if (!ACCEPTED.has(declared)) {
    throw new IgnitionError(where, [`ignition.version "${declared}" is not supported (3.0.0 to 3.4.0; Ignition 2.x specs and Container Linux Configs are not)`]);
  }
  const version = declared === '3.4.0' ? '3.4.0' : IGNITION_VERSION;
  const config = walkStruct('Config', raw, '', version, problems, warnings);
  (config.ignition as Obj).version = version;
  semanticChecks(config, problems);
  if (problems.length > 0) throw new IgnitionError(where, problems);
  return { config, version, warnings };
}

/** Parse and check raw `.ign` text. Throws IgnitionError. */
export function parseIgnition(text: string, where: string): CheckedIgnition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new IgnitionError(where, [`not JSON: ${errorMessage(e)}`]);
  }
  return checkIgnition(raw, where);
}

function walkStruct(name: string, v: unknown, path: string, version: string, problems: string[], warnings: string[]): Obj {
  const fields = STRUCTS[name] ?? [];
  const out: Obj = {};
  if (v === null || v === undefined) {
    for (const f of fields) if (f.presence === 'struct') out[f.name] = walkStruct((f.type as { struct: string }).struct, undefined, '', version, problems, warnings);
    return out;
  }
  if (!isObj(v)) {
    problems.push(`${path || '$'}: expected an object`);
    return out;
  }
  const known = new Set<string>();
  for (const f of fields) {
    if (f.since === '3.4' && version !== '3.4.0') continue;
    known.add(f.name);
    if (!Object.prototype.hasOwnProperty.call(v, f.name)) {
      // Go structs always exist; later checks rely on that too.
      if (f.presence === 'struct') out[f.name] = walkStruct((f.type as { struct: string }).struct, undefined, join(path, f.name), version, problems, warnings);
      continue;
    }
    const value = walkValue(f.type, v[f.name], join(path, f.name), version, problems, warnings);
    if (value !== undefined) out[f.name] = value;
  }
  for (const k of Object.keys(v)) if (!known.has(k)) warnings.push(`${join(path, k)}: unknown key ignored`);
  return out;
}

function walkValue(t: FieldType, v: unknown, path: string, version: string, problems: string[], warnings: string[]): unknown {
  if (v === null || v === undefined) return undefined;
  if (t === 'string' || t === 'int' || t === 'bool') {
    const ok = t === 'string' ? typeof v === 'string' : t === 'bool' ? typeof v === 'boolean' : typeof v === 'number' && Number.isInteger(v);
    if (!ok) problems.push(`${path}: expected ${t === 'int' ? 'an integer' : `a ${t === 'bool' ? 'boolean' : 'string'}`}`);
    return ok ? v : undefined;
  }
  if ('struct' in t) return walkStruct(t.struct, v, path, version, problems, warnings);
  if (!Array.isArray(v)) {
    problems.push(`${path}: expected a list`);
    return undefined;
  }
  const of = t.array;
  const elem: FieldType = of === 'string' || of === 'int' || of === 'bool' ? of : { struct: of };
  return v.map((x, n) => walkValue(elem, x, `${path}.${n}`, version, problems, warnings) ?? zero(elem));
}

function zero(t: FieldType): unknown {
  return t === 'string' ? '' : t === 'int' ? 0 : t === 'bool' ? false : {};
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

const UNIT_SUFFIX = /\.(service|socket|device|mount|automount|swap|target|path|timer|snapshot|slice|scope)$/;
const SOURCE_SCHEME = /^(data|https?|tftp|s3|gs|arn):/;

/** The checks Ignition applies on the node that would otherwise fail a boot half-way. */
function semanticChecks(c: Obj, problems: string[]): void {
  const storage = c.storage as Obj;
  const seen = new Set<string>();
  for (const kind of ['files', 'directories', 'links'] as const) {
    const list = (storage[kind] as Obj[] | undefined) ?? [];
    list.forEach((n, idx) => {
      const p = n.path as string | undefined;
      const at = `storage.${kind}.${idx}.path`;
      if (p === undefined || !p.startsWith('/')) problems.push(`${at}: must be an absolute path`);
      else if (seen.has(p)) problems.push(`${at}: ${p} is declared twice`);
      else seen.add(p);
      if (typeof n.mode === 'number' && (n.mode < 0 || n.mode > 0o7777)) problems.push(`storage.${kind}.${idx}.mode: out of range`);
      if (kind === 'links' && (typeof n.target !== 'string' || n.target === '')) problems.push(`storage.links.${idx}.target: required`);
      if (kind === 'files') checkResource(n.contents as Obj | undefined, `storage.files.${idx}.contents`, problems);
    });
  }
  const units = (((c.systemd as Obj).units as Obj[] | undefined) ?? []);
  const names = new Set<string>();
  units.forEach((u, idx) => {
    const name = u.name as string;
    if (!UNIT_SUFFIX.test(name)) problems.push(`systemd.units.${idx}.name: "${name}" is not a unit name (needs a type such as .service)`);
    if (names.has(name)) problems.push(`systemd.units.${idx}.name: ${name} is declared twice`);
    names.add(name);
    ((u.dropins as Obj[] | undefined) ?? []).forEach((d, j) => {
      if (!String(d.name).endsWith('.conf')) problems.push(`systemd.units.${idx}.dropins.${j}.name: must end in .conf`);
    });
  });
  const passwd = c.passwd as Obj;
  for (const kind of ['users', 'groups'] as const) {
    ((passwd[kind] as Obj[] | undefined) ?? []).forEach((u, idx) => {
      if (u.name === '' || u.name === undefined) problems.push(`passwd.${kind}.${idx}.name: required`);
    });
  }
}

function checkResource(r: Obj | undefined, at: string, problems: string[]): void {
  if (r === undefined) return;
  if (typeof r.source === 'string' && !SOURCE_SCHEME.test(r.source)) problems.push(`${at}.source: unsupported URL scheme`);
  if (typeof r.compression === 'string' && r.compression !== '' && r.compression !== 'gzip') problems.push(`${at}.compression: must be "" or "gzip"`);
}

/** Go `json.Marshal` string escaping (HTML-safe, U+2028/2029 escaped, \b and \f short forms). */
export function goJsonString(s: string): string {
  // Lone surrogates become U+FFFD, as Go replaces invalid UTF-8.
  const wellFormed = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return JSON.stringify(wellFormed)
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Print a checked config exactly as matchbox's `renderJSON` prints the Go struct. */
export function encodeIgnition(config: Obj): string {
  return encodeStruct('Config', config);
}

function encodeStruct(name: string, v: Obj): string {
  const parts: string[] = [];
  for (const f of STRUCTS[name] ?? []) {
    const value = v[f.name];
    const encoded = encodeField(f, value);
    if (encoded !== undefined) parts.push(`${goJsonString(f.name)}:${encoded}`);
  }
  return `{${parts.join(',')}}`;
}

function encodeField(f: Field, value: unknown): string | undefined {
  switch (f.presence) {
    case 'struct':
      return encodeStruct((f.type as { struct: string }).struct, isObj(value) ? value : {});
    case 'ptr':
      return value === undefined ? undefined : encodeValue(f.type, value);
    case 'opt':
      if (value === undefined || value === '' || value === 0 || (Array.isArray(value) && value.length === 0)) return undefined;
      return encodeValue(f.type, value);
    case 'req':
      return encodeValue(f.type, value ?? zero(f.type));
  }
}

function encodeValue(t: FieldType, v: unknown): string {
  if (t === 'string') return goJsonString(v as string);
  if (t === 'int' || t === 'bool') return String(v);
  if ('struct' in t) return encodeStruct(t.struct, v as Obj);
  const of = t.array;
  const elem: FieldType = of === 'string' || of === 'int' || of === 'bool' ? of : { struct: of };
  return `[${(v as unknown[]).map((x) => encodeValue(elem, x)).join(',')}]`;
}
