/**
 * The payload's MANIFEST: one `<sha256>  <path>` line per file, sorted by path, in the format of
 * `sha256sum`, so an operator can also check an installed version by hand with
 * `cd /opt/racker/versions/<v> && sha256sum -c MANIFEST`. The build writes it; the extractor
 * refuses a version whose tree differs from it in any way (changed, missing or extra file, or
 * anything that is not a plain file or directory).
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';
import { isSafeRelativePath } from '../agent/lib/relative-path.js';
import { MANIFEST_FILE } from '../agent/config/paths.js';

// As a CommonJS module: importing node:crypto as an ES module reads all its exports, which loads
// WebCrypto.
const { createHash } = process.getBuiltinModule('node:crypto');

export interface ManifestEntry {
  path: string;
  sha256: string;
}

/** Render entries as MANIFEST text (sorted, so equal trees give equal bytes). */
export function renderManifest(entries: readonly ManifestEntry[]): string {
  const sorted = [...entries].sort((a, b) => compareBytes(a.path, b.path));
  return sorted.map((e) => `${e.sha256}  ${e.path}\n`).join('');
}

/** Parse MANIFEST text; throws on any malformed line (a damaged manifest is a damaged payload). */
export function parseManifest(text: string, where: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    const path = m?.[2];
    if (m === null || path === undefined || !isSafeRelativePath(path) || seen.has(path)) {
      throw new RackerError(ErrorCodes.payload, `${where}:${i + 1}: malformed MANIFEST line ${JSON.stringify(line.slice(0, 120))}`,
        { hint: 'the payload is damaged or was not built by `npm run payload`; fetch it again' });
    }
    seen.add(path);
    entries.push({ sha256: m[1] as string, path });
  });
  return entries;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Every regular file under `dir` (MANIFEST itself excepted) with its sha256, sorted. Throws on
 * anything that is not a regular file or directory: payloads carry no links or devices.
 */
export async function hashTree(dir: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(dir, rel))).sort(compareBytes);
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      if (relPath === MANIFEST_FILE) continue;
      const st = await lstat(join(dir, relPath));
      if (st.isDirectory()) await walk(relPath);
      else if (st.isFile()) out.push({ path: relPath, sha256: await sha256File(join(dir, relPath)) });
      else {
        throw new RackerError(ErrorCodes.payload, `${join(dir, relPath)} is neither a file nor a directory`,
          { hint: 'payloads hold only plain files and directories; rebuild it with `npm run payload`' });
      }
    }
  }
  await walk('');
  return out;
}

/** What differs between a tree and its manifest; empty when they match. */
export function diffManifest(expected: readonly ManifestEntry[], actual: readonly ManifestEntry[]): string[] {
  const want = new Map(expected.map((e) => [e.path, e.sha256]));
  const have = new Map(actual.map((e) => [e.path, e.sha256]));
  const problems: string[] = [];
  for (const [path, sum] of want) {
    const got = have.get(path);
    if (got === undefined) problems.push(`${path}: missing`);
    else if (got !== sum) problems.push(`${path}: sha256 ${got}, MANIFEST says ${sum}`);
  }
  for (const path of have.keys()) if (!want.has(path)) problems.push(`${path}: not in MANIFEST`);
  return problems;
}

/** Check `dir` against its MANIFEST; throws RACKER_E_PAYLOAD naming the first differences. */
export async function verifyTree(dir: string, what: string): Promise<ManifestEntry[]> {
  const expected = parseManifest(await readFile(join(dir, MANIFEST_FILE), 'utf8'), `${what}/${MANIFEST_FILE}`);
  const problems = diffManifest(expected, await hashTree(dir));
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    throw new RackerError(ErrorCodes.payload, `${what} does not match its MANIFEST: ${shown}`,
      { hint: 'the payload is damaged or was altered; fetch it again and check its sha256 and signature' });
  }
  return expected;
}

/** Byte order (not locale order), the order `tar --sort=name` uses. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
