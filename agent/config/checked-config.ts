/**
 * Snapshots of configuration files that passed validation, so that loading the same file again
 * needs neither yaml nor zod (load.ts says why that matters). They live in racker's own tree, next
 * to Node's compile cache (bin/racker): `dist/.compile-cache/checked-config/<sha256 of the path>.json`,
 * mode 0600, trusted as much as the code beside them and never in a shared temporary directory;
 * nothing is written next to the configuration (a dry run changes nothing there). A snapshot holds
 * a key and the validated configuration. The key covers everything the result depends on: the
 * file's path and text, the path defaults from the environment, the iPXE directory default, and
 * the code that validates (size and modification time of every module of the schema, conf.yaml's
 * pins and the yaml and zod packages). Any difference and the file is validated again. Writing is
 * best effort: a read-only tree (the agent under ProtectSystem=strict) just means no snapshot.
 * At most KEEP snapshots are kept (tests make many configurations), the oldest go first.
 *
 * Reading one back is not checked against the configuration schema: that would load zod, the cost
 * a snapshot exists to avoid. A snapshot also records the sha256 of the configuration as written,
 * and is taken only when that still matches, so what is returned is exactly what parseConfig
 * returned. A damaged or hand-edited snapshot is not an error: it is a cache, so the file is
 * validated again (every real problem in it reported by file and line) and the snapshot rewritten.
 */
import { readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './schema.js';
import { envPathDefaults, type Env } from './paths.js';
import { codeRoot, defaultIpxeDir } from './ipxe-dir.js';

// As a CommonJS module: importing node:crypto as an ES module reads all its exports, which loads
// WebCrypto (see agent/api/client.ts for the same with node:http).
const { createHash } = process.getBuiltinModule('node:crypto');

/** Bump when the snapshot's format changes. */
const FORMAT = 3; // 3: the configuration carries its warnings

/**
 * Modules outside agent/config/ that validation runs (every module under it counts anyway).
 * test/unit/config/checked-config.test.ts walks parse.js's imports and fails when one is missing.
 */
export const SCHEMA_MODULES_ELSEWHERE = [
  'agent/lib/errors.js', 'agent/lib/ipv4.js', 'agent/lib/yaml-lines.js', 'agent/lib/mac.js', 'agent/lib/relative-path.js',
] as const;

/** The code files the validation depends on, relative to the code root. */
export function validationFiles(root: string = codeRoot()): string[] {
  const configDir = fileURLToPath(new URL('.', import.meta.url));
  const own = (readdirSync(configDir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath, e.name).slice(root.length));
  return [...own.sort(), ...SCHEMA_MODULES_ELSEWHERE.map((m) => join('dist', m)), 'conf.yaml', 'package.json',
    'node_modules/zod/package.json', 'node_modules/yaml/package.json'];
}

let stamp: string | undefined;
function codeStamp(): string {
  if (stamp === undefined) {
    const root = codeRoot();
    stamp = validationFiles(root).map((f) => {
      try {
        const s = statSync(join(root, f));
        return `${f}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${f}:-`;
      }
    }).join('\n');
  }
  return stamp;
}

const KEEP = 64;

function snapshotDir(): string {
  return join(codeRoot(), 'dist', '.compile-cache', 'checked-config');
}

export function checkedConfigPath(file: string): string {
  return join(snapshotDir(), `${createHash('sha256').update(file).digest('hex')}.json`);
}

function keyOf(file: string, text: string, env: Env): string {
  return createHash('sha256').update(JSON.stringify([FORMAT, file, text, envPathDefaults(env), defaultIpxeDir(), codeStamp()])).digest('hex');
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** What a snapshot file holds; `sha256` is that of the configuration's JSON as written. */
interface Snapshot {
  key: string;
  sha256: string;
  config: Omit<Config, 'source'>;
}

const configSum = (config: unknown): string => createHash('sha256').update(JSON.stringify(config)).digest('hex');

/** The configuration validated earlier from exactly this text, environment and code; else undefined. */
export async function readCheckedConfig(file: string, text: string, env: Env): Promise<Config | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(checkedConfigPath(file), 'utf8'));
  } catch {
    return undefined; // none yet, unreadable or damaged: validate
  }
  const s = raw as Partial<Record<keyof Snapshot, unknown>> | null;
  if (s === null || typeof s !== 'object' || s.key !== keyOf(file, text, env) || typeof s.config !== 'object' || s.config === null) return undefined;
  // JSON.stringify of what JSON.parse made of JSON.stringify's text is that text again, so the sum
  // matches only for the configuration exactly as parseConfig returned it.
  if (s.sha256 !== configSum(s.config)) return undefined;
  return deepFreeze({ ...(s.config as Snapshot['config']), source: file });
}

export async function writeCheckedConfig(file: string, text: string, env: Env, config: Config): Promise<void> {
  const target = checkedConfigPath(file);
  const tmp = `${target}.${process.pid}.tmp`;
  const { source: _source, ...validated } = config;
  const snapshot: Snapshot = { key: keyOf(file, text, env), sha256: configSum(validated), config: validated };
  try {
    await mkdir(snapshotDir(), { recursive: true, mode: 0o700 });
    await writeFile(tmp, `${JSON.stringify(snapshot)}\n`, { mode: 0o600 });
    await rename(tmp, target);
    await prune();
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined); // read-only or full: just no snapshot
  }
}

async function prune(): Promise<void> {
  const dir = snapshotDir();
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  if (names.length <= KEEP) return;
  const aged = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
  aged.sort((a, b) => a.t - b.t);
  await Promise.all(aged.slice(0, aged.length - KEEP).map(({ n }) => rm(join(dir, n), { force: true })));
}
