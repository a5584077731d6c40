/**
 * The state document on disk (`state.json` in the state directory). Written atomically (temp file,
 * fsync, rename, fsync directory), so a crash at any moment leaves the previous or the next
 * snapshot, never a torn one; read back with validation so damage is reported by field.
 */
import { readFile, readdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stateFiles } from '../config/paths.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { ErrorCodes, RackerError, ValidationError, isENOENT, errorMessage } from '../lib/errors.js';
import { stateDocumentSchema, type StateDocument } from './records.js';

const STATE_FILE = basename(stateFiles('/').stateDoc);

export function stateFilePath(stateDir: string): string {
  return stateFiles(stateDir).stateDoc;
}

/** The persisted state, or undefined when there is none yet. Throws when the file is damaged. */
export async function readStateFile(stateDir: string): Promise<StateDocument | undefined> {
  const path = stateFilePath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw new RackerError(ErrorCodes.state, `cannot read ${path}: ${errorMessage(e)}`, { cause: e });
  }
  const hint = `move ${path} aside to start with fresh state (node phases and job history are forgotten; nodes.csv and addresses are not affected)`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(ErrorCodes.state, `${path} is damaged`, [{ file: path, message: `not JSON: ${errorMessage(e)}`, hint }]);
  }
  const parsed = stateDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(ErrorCodes.state, `${path} is damaged`, parsed.error.issues.slice(0, 10).map((i) => ({
      file: path, field: i.path.map(String).join('.') || '(top level)', message: i.message, hint,
    })));
  }
  return parsed.data;
}

export async function writeStateFile(stateDir: string, doc: StateDocument): Promise<void> {
  await writeFileAtomic(stateFilePath(stateDir), `${JSON.stringify(doc)}\n`, { mode: 0o600, mkdirs: true });
}

/** Temp files a killed writer left behind (they are never the state; the rename never happened). */
export async function removeStaleTempFiles(stateDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (e) {
    if (isENOENT(e)) return 0;
    throw e;
  }
  const stale = names.filter((n) => n.startsWith(`.${STATE_FILE}.`) && n.endsWith('.tmp'));
  await Promise.all(stale.map((n) => unlink(join(stateDir, n)).catch(() => undefined /* another process cleaned it */)));
  return stale.length;
}
