/**
 * Butane → Ignition for the common subset of the Flatcar variant (`variant: flatcar`, versions
 * 1.0.0 and 1.1.0): storage files/directories/links, systemd units with drop-ins, passwd users and
 * groups, kernel arguments, and the `ignition` section (config merge/replace, timeouts, proxy,
 * TLS). Output is Ignition 3.3.0 for both versions: the subset is the same in both and 3.3.0 is
 * what Debian's ignition-validate and every Flatcar with Ignition v2 accept (Butane itself emits
 * 3.4.0 for 1.1.0). Everything else Butane knows (disks, raid, filesystems, luks, trees, `local`
 * files, other variants) is a ButaneUnsupportedError naming each part, which the handler turns
 * into 501: better a clear refusal than a node installed without its data disk.
 *
 * Inline contents become data URLs exactly as Butane picks them (shortest of URL-escaped,
 * base64, gzip+base64; `compression: ""` set explicitly). gzip bytes come from zlib rather than
 * Go's compress/gzip, so they can differ from Butane's while decoding to the same file.
 */
import { gzipSync } from 'node:zlib';
import { parseDocument } from 'yaml';
import { checkIgnition, encodeIgnition, IgnitionError } from './ignition.js';
import { MAX_YAML_ALIASES } from '../lib/yaml-lines.js';

/** The Butane input is invalid (YAML, types, Ignition rules). */
export class ButaneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ButaneError';
  }
}

/** The input uses Butane features racker does not translate; `parts` names each (YAML paths). */
export class ButaneUnsupportedError extends Error {
  constructor(readonly where: string, readonly parts: readonly string[]) {
    super(`${where}: not supported by racker's Butane translation: ${parts.join(', ')} (supported: variant flatcar 1.0.0/1.1.0 with storage files, directories and links, systemd units, passwd users and groups, kernel_arguments, ignition; translate other configs with butane and serve the .ign)`);
    this.name = 'ButaneUnsupportedError';
  }
}

export interface Translation {
  /** Ignition JSON as matchbox prints it. */
  json: string;
  warnings: string[];
}

const VERSIONS = new Set(['1.0.0', '1.1.0']);
const UNSUPPORTED_STORAGE = ['disks', 'raid', 'filesystems', 'luks', 'trees'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Translate rendered Butane YAML. Throws ButaneError or ButaneUnsupportedError. */
export function translateButane(text: string, where: string): Translation {
  const doc = parseDocument(text, {
    version: '1.2',
    // Butane (go-yaml v3) reads `0644` as octal like Go's ParseInt(s, 0, 64); YAML 1.2 would say 644.
    customTags: (tags) => [{ tag: 'tag:yaml.org,2002:int', default: true, test: /^[-+]?0[0-7]+$/, resolve: (s: string) => parseInt(s, 8) }, ...tags],
    uniqueKeys: true,
    prettyErrors: false,
  });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ButaneError(`${where}: not valid YAML${e?.linePos === undefined ? '' : ` at line ${e.linePos[0].line}`}: ${e?.message.split('\n')[0] ?? ''}`);
  }
  // Rendered per request, so a template fed aliases of aliases (a "billion laughs") must cost a
  // bounded amount and answer as a bad template, not as the parser's ReferenceError.
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new ButaneError(`${where}: its aliases (*name) expand too much (more than ${MAX_YAML_ALIASES} resolved)`);
  }
  if (!isObj(input)) throw new ButaneError(`${where}: a Butane config must be a mapping with variant and version`);
  const { variant, version } = input;
  if (variant === undefined || version === undefined) throw new ButaneError(`${where}: variant and version are required (e.g. variant: flatcar, version: 1.1.0)`);
  if (variant !== 'flatcar') throw new ButaneUnsupportedError(where, [`variant ${JSON.stringify(variant)}`]);
  if (typeof version !== 'string' || !VERSIONS.has(version)) throw new ButaneUnsupportedError(where, [`flatcar version ${JSON.stringify(version)}`]);

  const unsupported: string[] = [];
  const problems: string[] = [];
  const out: Obj = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'variant' || key === 'version') continue;
    if (key === 'storage' && isObj(value)) {
      for (const k of UNSUPPORTED_STORAGE) if (value[k] !== undefined) unsupported.push(`storage.${k}`);
    }
    out[camel(key)] = convert(value, key, unsupported, problems);
  }
  if (unsupported.length > 0) throw new ButaneUnsupportedError(where, unsupported);
  if (problems.length > 0) throw new ButaneError(`${where}: ${problems.join('; ')}`);
  const ign = isObj(out.ignition) ? out.ignition : {};
  out.ignition = { ...ign, version: '3.3.0' };
  try {
    const checked = checkIgnition(out, where);
    return { json: encodeIgnition(checked.config), warnings: checked.warnings };
  } catch (e) {
    if (e instanceof IgnitionError) throw new ButaneError(`${where}: ${e.problems.join('; ')}`);
    throw e;
  }
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** snake_case → camelCase throughout, resources' `inline` → data URL; collects unsupported parts. */
function convert(v: unknown, path: string, unsupported: string[], problems: string[]): unknown {
  if (Array.isArray(v)) return v.map((x, i) => convert(x, `${path}.${i}`, unsupported, problems));
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [key, value] of Object.entries(v)) {
    const at = `${path}.${key}`;
    if (key === 'local' || key.endsWith('_local')) {
      unsupported.push(at);
      continue;
    }
    if (key === 'inline') continue;
    out[camel(key)] = convert(value, at, unsupported, problems);
  }
  if (v.inline !== undefined) {
    if (typeof v.inline !== 'string') problems.push(`${path}.inline: expected a string`);
    else if (v.source !== undefined) problems.push(`${path}: only one of inline and source may be set`);
    else Object.assign(out, dataUrl(Buffer.from(v.inline, 'utf8'), typeof v.compression === 'string' ? v.compression : undefined));
  }
  return out;
}

/** Butane's MakeDataURL: the shortest encoding; gzip only when the user did not compress. */
export function dataUrl(contents: Buffer, currentCompression: string | undefined): { source: string; compression?: string } {
  const userCompressed = currentCompression !== undefined && currentCompression !== '';
  let opaque = `,${escapeDataUrl(contents)}`;
  let compression: string | undefined = userCompressed ? undefined : '';
  const b64 = `;base64,${contents.toString('base64')}`;
  if (b64.length < opaque.length) opaque = b64;
  if (!userCompressed) {
    const gz = `;base64,${gzipSync(contents, { level: 9 }).toString('base64')}`;
    if (gz.length + 'gzip'.length < opaque.length) {
      opaque = gz;
      compression = 'gzip';
    }
  }
  return compression === undefined ? { source: `data:${opaque}` } : { source: `data:${opaque}`, compression };
}

/** vincent-petithory/dataurl `Escape`, which is Go's `url.PathEscape`: keep A-Za-z0-9 -_.~$&+:=@, %XX the rest. */
function escapeDataUrl(b: Buffer): string {
  let s = '';
  for (const c of b) {
    const ch = String.fromCharCode(c);
    s += /[A-Za-z0-9\-_.~$&+:=@]/.test(ch) ? ch : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return s;
}
