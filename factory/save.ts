/**
 * Writing the rack metadata: nodes.csv, ipmi_user and ipmi_password in the OEM directory, each
 * atomically (a power cut leaves the old file or the new, never half), the credentials 0600.
 * The previous content of every file that changes is kept as `<file>.<UTC time>.bak` (0600 for
 * the credentials), the newest BACKUPS_KEPT per file. A running agent is then asked to reload.
 */
import { readFile, readdir, stat, unlink, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../agent/lib/atomic-file.js';
import { oemFiles } from '../agent/config/paths.js';
import { isENOENT } from '../agent/lib/errors.js';
import type { ReloadOutcome } from './agent-client.js';

export const BACKUPS_KEPT = 5;
export const NODES_MODE = 0o644;
export const CREDENTIALS_MODE = 0o600;

export interface Metadata {
  nodesCsv: string;
  user: string;
  password: string;
}

export interface SaveResult {
  written: string[];
  unchanged: string[];
  backups: string[];
  /** Undefined when nothing changed (no reload needed). */
  reload: ReloadOutcome | undefined;
}

export interface SaveOptions {
  now?: () => Date;
  /** Ask the agent to reload; called only when a file changed. */
  reload: () => Promise<ReloadOutcome>;
}

export async function saveMetadata(oemDir: string, data: Metadata, options: SaveOptions): Promise<SaveResult> {
  const files = oemFiles(oemDir);
  const stamp = backupStamp((options.now ?? (() => new Date()))());
  await mkdir(oemDir, { recursive: true, mode: 0o755 });
  const result: SaveResult = { written: [], unchanged: [], backups: [], reload: undefined };
  // Credentials before nodes.csv: an agent that reloads on its own (file watch) sees new rows only
  // with the credentials they need.
  const plan = [
    { path: files.ipmiUser, content: `${data.user}\n`, mode: CREDENTIALS_MODE },
    { path: files.ipmiPassword, content: `${data.password}\n`, mode: CREDENTIALS_MODE },
    { path: files.nodesCsv, content: data.nodesCsv, mode: NODES_MODE },
  ];
  for (const f of plan) {
    const backup = await replaceKeepingBackup(f.path, f.content, f.mode, stamp);
    if (backup === false) {
      result.unchanged.push(f.path);
      continue;
    }
    if (backup !== undefined) result.backups.push(backup);
    result.written.push(f.path);
  }
  if (result.written.length > 0) result.reload = await options.reload();
  return result;
}

/**
 * Replace a file's content atomically, first copying the old content to a backup.
 * Returns false when the content is unchanged (nothing written), the backup path, or undefined
 * when there was no previous file.
 */
export async function replaceKeepingBackup(path: string, content: string, mode: number, stamp: string): Promise<string | false | undefined> {
  let previous: Buffer | undefined;
  let previousMode = mode;
  try {
    previous = await readFile(path);
    previousMode = (await stat(path)).mode & 0o777;
  } catch (e) {
    if (!isENOENT(e)) throw e;
  }
  if (previous !== undefined && previous.equals(Buffer.from(content)) && previousMode === mode) return false;
  let backup: string | undefined;
  if (previous !== undefined) {
    backup = await freeBackupName(path, stamp);
    // A backup is never more readable than the new file (an old password stays 0600).
    await writeFileAtomic(backup, previous, { mode: previousMode & mode });
    await pruneBackups(path);
  }
  await writeFileAtomic(path, content, { mode });
  return backup;
}

/** `20240131T120102Z`: sorts in time order, safe in file names. */
export function backupStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

async function freeBackupName(path: string, stamp: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = `${path}.${stamp}${n === 0 ? '' : `-${n}`}.bak`;
    try {
      await stat(candidate);
    } catch (e) {
      if (isENOENT(e)) return candidate;
      throw e;
    }
  }
}

/** Backups of `path`, oldest first. */
export async function listBackups(path: string): Promise<string[]> {
  const prefix = `${basename(path)}.`;
  const names = (await readdir(dirname(path))).filter((n) => n.startsWith(prefix) && n.endsWith('.bak') && /^\d{8}T\d{6}Z(-\d+)?$/.test(n.slice(prefix.length, -4)));
  return names.sort().map((n) => join(dirname(path), n));
}

async function pruneBackups(path: string): Promise<void> {
  const all = await listBackups(path);
  for (const old of all.slice(0, Math.max(0, all.length - BACKUPS_KEPT))) {
    await unlink(old).catch((e: unknown) => {
      if (!isENOENT(e)) throw e; /* already gone: fine */
    });
  }
}
