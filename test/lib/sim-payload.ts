/**
 * Real payloads for the end-to-end tests: the one `npm run payload` builds from this checkout (the
 * compiled dist/ is already there, so the builder runs directly), and later versions of it made by
 * changing its VERSION (and, for a version whose agent must fail, its unit), with the MANIFEST and
 * the archive remade by the same code the build uses.
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../agent/lib/exec.js';
import { gzipFile, payloadFileName, tarCreateArgs, tarExtractArgs } from '../../installer/archive.js';
import { hashTree, renderManifest } from '../../installer/manifest.js';
import { MANIFEST_FILE } from '../../agent/config/paths.js';
import { repoRoot } from './paths.js';

/** `npm run payload -- --out DIR` (without the rebuild of dist/ that npm run does first). Returns the file. */
export async function buildCheckoutPayload(dir: string): Promise<string> {
  const r = await exec(process.execPath, [join(repoRoot, 'dist', 'installer', 'payload', 'main.js'), '--out', dir], { timeoutMs: 900_000 });
  return r.stdout.split('\n')[0] as string;
}

let shared: { dir: string; file: Promise<string> } | undefined;

/**
 * The checkout's payload, built once per test run and shared by the files that need it (payload.test,
 * the e2e racks): the build is reproducible to the byte (payload.test builds a second one to prove
 * it), so one build stands for any other, and each costs a minute or more of the suite.
 */
export function checkoutPayload(): Promise<string> {
  if (shared === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'racker-checkout-payload-'));
    shared = { dir, file: buildCheckoutPayload(dir) };
  }
  return shared.file;
}

// A root hook (this module is loaded by spec files): the shared payload goes when the run ends.
if (typeof after === 'function') {
  after(async () => {
    if (shared !== undefined) await rm(shared.dir, { recursive: true, force: true });
  });
}

/** The payload `from` as version `version`; `unitEdit` may rewrite units/racker-agent.service. */
export async function derivePayload(from: string, dir: string, version: string, unitEdit?: (unit: string) => string): Promise<string> {
  const stage = join(dir, `stage-${version}`);
  await mkdir(stage, { recursive: true });
  await exec('tar', tarExtractArgs(from, stage), { timeoutMs: 300_000 });
  await writeFile(join(stage, 'VERSION'), `${version}\n`);
  const pkg = JSON.parse(await readFile(join(stage, 'package.json'), 'utf8')) as { version: string };
  await writeFile(join(stage, 'package.json'), `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  if (unitEdit !== undefined) {
    const unit = join(stage, 'units', 'racker-agent.service');
    await writeFile(unit, unitEdit(await readFile(unit, 'utf8')));
  }
  await writeFile(join(stage, MANIFEST_FILE), renderManifest(await hashTree(stage)));
  const tar = join(dir, `payload-${version}.tar`);
  await exec('tar', tarCreateArgs(stage, tar), { timeoutMs: 300_000 });
  const file = join(dir, payloadFileName(version));
  await gzipFile(tar, file);
  await exec('rm', ['-rf', stage, tar]);
  return file;
}
