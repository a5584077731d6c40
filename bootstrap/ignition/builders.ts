/**
 * Small pure helpers to build Ignition configs: data URLs, files, units, and a merge with
 * Ignition's own semantics for keyed lists (a later entry with the same path or name replaces the
 * earlier one; a user's SSH keys and groups accumulate).
 */
import { gzipSync, gunzipSync } from 'node:zlib';
import { IGNITION_VERSION, type IgnitionConfig, type IgnitionFile, type IgnitionUnit, type IgnitionUser } from './types.js';

/** Files larger than this are stored gzip-compressed (big CNI manifests). */
const COMPRESS_ABOVE = 8192;

/** An RFC 2397 data URL for text content; gzip+base64 when large. */
export function dataSource(text: string): { source: string; compression?: 'gzip' } {
  if (Buffer.byteLength(text) > COMPRESS_ABOVE) {
    return { source: `data:;base64,${gzipSync(Buffer.from(text), { level: 9 }).toString('base64')}`, compression: 'gzip' };
  }
  return { source: `data:,${encodeURIComponent(text)}` };
}

/** Decode what dataSource produced (tests and dry-run output read generated configs back). */
export function decodeDataSource(r: { source?: string; compression?: string } | undefined): string {
  const source = r?.source ?? '';
  const comma = source.indexOf(',');
  const meta = source.slice(5, comma);
  const data = source.slice(comma + 1);
  const bytes = meta.endsWith(';base64') ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data));
  return r?.compression === 'gzip' ? gunzipSync(bytes).toString() : bytes.toString();
}

export interface FileOptions {
  mode?: number;
  user?: string;
  group?: string;
}

/** A regular file with inline content, replacing whatever is there. */
export function file(path: string, text: string, o: FileOptions = {}): IgnitionFile {
  return {
    path,
    overwrite: true,
    mode: o.mode ?? 0o644,
    ...(o.user !== undefined ? { user: { name: o.user } } : {}),
    ...(o.group !== undefined ? { group: { name: o.group } } : {}),
    contents: dataSource(text),
  };
}

export function unit(name: string, contents: string, enabled = true): IgnitionUnit {
  return { name, enabled, contents };
}

export function emptyConfig(): IgnitionConfig {
  return { ignition: { version: IGNITION_VERSION } };
}

/** Build a config from its parts (pure; parts merged in order). */
export function config(parts: { files?: IgnitionFile[]; units?: IgnitionUnit[]; users?: IgnitionUser[] }): IgnitionConfig {
  const c = emptyConfig();
  if (parts.users !== undefined && parts.users.length > 0) c.passwd = { users: parts.users };
  if (parts.files !== undefined && parts.files.length > 0) c.storage = { files: parts.files };
  if (parts.units !== undefined && parts.units.length > 0) c.systemd = { units: parts.units };
  return c;
}

const KEYS: Record<string, string> = { files: 'path', directories: 'path', links: 'path', filesystems: 'device', disks: 'device', raid: 'name', luks: 'name', units: 'name', users: 'name', groups: 'name' };

/** Merge `overlay` into `base` (new object; inputs untouched). */
export function mergeConfigs(base: IgnitionConfig, overlay: IgnitionConfig): IgnitionConfig {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [section, value] of Object.entries(overlay)) {
    if (section === 'ignition') continue; // ours: version and no remote merges
    out[section] = mergeSection(out[section], value);
  }
  return out as IgnitionConfig;
}

function mergeSection(base: unknown, overlay: unknown): unknown {
  if (!isObject(overlay)) return structuredClone(overlay);
  const out: Record<string, unknown> = isObject(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(overlay)) {
    const key = KEYS[k];
    if (Array.isArray(v) && key !== undefined) out[k] = mergeKeyed(Array.isArray(out[k]) ? out[k] as Record<string, unknown>[] : [], v as Record<string, unknown>[], key, k === 'users');
    else if (Array.isArray(v)) out[k] = [...(Array.isArray(out[k]) ? out[k] as unknown[] : []), ...(structuredClone(v) as unknown[])];
    else if (isObject(v)) out[k] = mergeSection(out[k], v);
    else out[k] = v;
  }
  return out;
}

function mergeKeyed(base: Record<string, unknown>[], overlay: Record<string, unknown>[], key: string, users: boolean): Record<string, unknown>[] {
  const out = base.map((e) => structuredClone(e));
  for (const entry of overlay) {
    const i = out.findIndex((e) => e[key] === entry[key]);
    if (i === -1) out.push(structuredClone(entry));
    else if (users) out[i] = mergeUser(out[i] as IgnitionUser, entry as IgnitionUser);
    else out[i] = structuredClone(entry);
  }
  return out;
}

function mergeUser(a: IgnitionUser, b: IgnitionUser): IgnitionUser {
  const union = (x?: string[], y?: string[]): string[] | undefined => (x === undefined && y === undefined ? undefined : [...new Set([...(x ?? []), ...(y ?? [])])]);
  const merged: IgnitionUser = { ...a, ...b };
  const keys = union(a.sshAuthorizedKeys, b.sshAuthorizedKeys);
  const groups = union(a.groups, b.groups);
  if (keys !== undefined) merged.sshAuthorizedKeys = keys;
  if (groups !== undefined) merged.groups = groups;
  return merged;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Serialise for the boot store: stable, compact. */
export function renderIgnition(c: IgnitionConfig): string {
  return `${JSON.stringify(c)}\n`;
}
