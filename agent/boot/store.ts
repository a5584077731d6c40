/**
 * matchbox's on-disk layout under one data directory, held in memory:
 *
 *   <dataDir>/groups/<id>.json   profiles/<id>.json   ignition/<name>   generic/<name>   assets/…
 *
 * Everything except assets/ is read at start and again after a change (fs.watch on each folder,
 * debounced, or an explicit reload()), and the new BootData replaces the old in one assignment,
 * so a request never sees half a reload and costs the same with 10 or 10,000 groups. matchbox
 * instead re-reads every group file on every request.
 *
 * INVARIANTS: reloads never overlap (a change during a reload schedules one more afterwards);
 * `current` is only ever replaced by a completely built BootData.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from '../lib/log.js';
import { isENOENT, type Problem, errorMessage } from '../lib/errors.js';
import {
  emptyBootData, ProblemError, parseGenericEntry, parseGroup, parseIgnitionEntry, parseProfile,
  type BootData, type GenericEntry, type IgnitionEntry, type Profile,
} from './boot-data.js';
import { BOOT_DATA_FOLDERS } from '../config/paths.js';
import { GroupIndex, type Group } from './select.js';

export const DATA_FOLDERS = BOOT_DATA_FOLDERS;

export interface BootStoreOptions {
  dataDir: string;
  log: Logger;
  /** Wait this long after the last change before reloading. */
  debounceMs?: number;
  /** Watch the folders (default). Boot workers do not: the agent tells them when to reload. */
  watch?: boolean;
}

export class BootStore {
  private data: BootData = emptyBootData();
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<BootData> | undefined;
  private again = false;
  private readonly listeners = new Set<(d: BootData) => void>();

  constructor(private readonly options: BootStoreOptions) {}

  /** The data requests use now. */
  get current(): BootData {
    return this.data;
  }

  /** Called after every reload (the service logs problems; tests wait on it). */
  onReload(fn: (d: BootData) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Create the folders, load, and watch for changes. */
  async start(signal: AbortSignal): Promise<void> {
    for (const f of [...DATA_FOLDERS, 'assets']) await mkdir(join(this.options.dataDir, f), { recursive: true });
    signal.throwIfAborted();
    await this.reload();
    if (this.options.watch === false) return;
    for (const f of DATA_FOLDERS) {
      const w = watch(join(this.options.dataDir, f), { recursive: true }, () => this.schedule());
      w.on('error', (err) => this.options.log.warn({ err, folder: f }, 'cannot watch boot data folder; use reload after changes'));
      this.watchers.push(w);
    }
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.reloading?.catch(() => undefined); /* its failure was already logged */
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.reload().catch((err: unknown) => this.options.log.error({ err }, 'reloading boot data failed; still serving the previous data'));
    }, this.options.debounceMs ?? 200);
  }

  /** Load everything now; resolves with the data that is then current. */
  reload(): Promise<BootData> {
    if (this.reloading !== undefined) {
      this.again = true;
      return this.reloading.then(() => this.reloading ?? this.data);
    }
    this.reloading = (async () => {
      try {
        let d: BootData;
        do {
          this.again = false;
          d = await loadBootData(this.options.dataDir);
        } while (this.again);
        this.data = d;
        this.report(d);
        return d;
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private report(d: BootData): void {
    const log = this.options.log;
    for (const p of d.problems) log.warn({ file: p.file, field: p.field }, `boot data: ${p.message}${p.hint === undefined ? '' : ` (${p.hint})`}`);
    for (const set of d.groups.duplicates) {
      log.warn({ groups: set.map((g) => g.id || g.key) }, 'groups have identical selectors; racker picks the first by id (matchbox: unpredictable)');
    }
    log.info({ groups: d.groups.size, profiles: d.profiles.size, ignition: d.ignition.size, generic: d.generic.size, problems: d.problems.length }, 'boot data loaded');
    for (const fn of this.listeners) fn(d);
  }
}

/** Read and parse a whole data directory. Broken files become problems, never exceptions. */
export async function loadBootData(dataDir: string): Promise<BootData> {
  const problems: Problem[] = [];
  const groups: Group[] = [];
  const profiles = new Map<string, Profile>();
  const ignition = new Map<string, IgnitionEntry>();
  const generic = new Map<string, GenericEntry>();

  // groups: top-level *.json only, like matchbox's GroupList.
  const groupDir = join(dataDir, 'groups');
  await forEachFile(groupDir, false, problems, async (file, rel) => {
    if (!rel.endsWith('.json')) return;
    try {
      groups.push(parseGroup(rel.slice(0, -5), await readFile(file, 'utf8'), file));
    } catch (e) {
      problems.push(asProblem(e, file));
    }
  });
  await forEachFile(join(dataDir, 'profiles'), true, problems, async (file, rel) => {
    if (!rel.endsWith('.json')) return;
    try {
      const p = parseProfile(rel.slice(0, -5), await readFile(file, 'utf8'), file);
      if (p.id !== p.key) problems.push({ file, field: 'id', message: `id "${p.id}" differs from the file name; groups refer to profiles by file name ("${p.key}")` });
      profiles.set(p.key, p);
    } catch (e) {
      problems.push(asProblem(e, file));
    }
  });
  await forEachFile(join(dataDir, 'ignition'), true, problems, async (file, rel) => {
    ignition.set(rel, parseIgnitionEntry(rel, await readFile(file, 'utf8'), file, problems));
  });
  await forEachFile(join(dataDir, 'generic'), true, problems, async (file, rel) => {
    generic.set(rel, parseGenericEntry(await readFile(file, 'utf8'), file, problems));
  });
  return { groups: new GroupIndex(groups), profiles, ignition, generic, problems };
}

function asProblem(e: unknown, file: string): Problem {
  if (e instanceof ProblemError) return e.problem;
  return { file, message: e instanceof Error ? e.message : String(e) };
}

/**
 * Call `fn` for each regular file (path, path relative to `dir` with `/`), 32 at a time. Dot
 * files are skipped: writeFileAtomic's temporary files are dot files.
 */
async function forEachFile(dir: string, recursive: boolean, problems: Problem[], fn: (file: string, rel: string) => Promise<void>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive });
  } catch (e) {
    if (isENOENT(e)) return;
    problems.push({ file: dir, message: `cannot read folder: ${errorMessage(e)}` });
    return;
  }
  const files = entries.filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => join(d.parentPath, d.name))
    .map((file) => ({ file, rel: relative(dir, file).split(sep).join('/') }))
    .filter(({ rel }) => !rel.split('/').some((part) => part.startsWith('.')));
  for (let i = 0; i < files.length; i += 32) {
    await Promise.all(files.slice(i, i + 32).map(async ({ file, rel }) => {
      try {
        await fn(file, rel);
      } catch (e) {
        problems.push({ file, message: `cannot read: ${errorMessage(e)}` });
      }
    }));
  }
}
