/**
 * Flatcar's PXE kernel, PXE initrd and disk image for a channel and version, from the release
 * server (or a mirror) or from a local directory on air-gapped sites. Every file's OpenPGP signature
 * is verified against Flatcar's image signing key (shipped with racker) before anything is served:
 * files are fetched into a staging directory, verified, and only then moved into the boot service's
 * assets directory as one rename. A verified version is cached and not fetched again. `current`
 * never resolves below a version already verified for the channel (flatcar-version.ts says why).
 */
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, RackerError, ValidationError, isENOENT, errorMessage } from '../agent/lib/errors.js';
import { download, type Progress } from './download.js';
import { verifyImageSignature } from './signature.js';
import { PXE_INITRD, PXE_KERNEL } from './groups-profiles.js';
import { pathExists } from '../agent/lib/path-exists.js';
import { readJsonDocument } from '../agent/lib/json-document.js';
import { newestFlatcarVersion, refuseCurrentDowngrade } from './flatcar-version.js';

export const DISK_IMAGE = 'flatcar_production_image.bin.bz2';
export const FLATCAR_FILES = [PXE_KERNEL, PXE_INITRD, DISK_IMAGE] as const;
export const VERIFIED_MARKER = '.racker-verified.json';

/** The marker written next to a verified version; a version without one is never served. */
export const verifiedMarkerSchema = z.object({
  version: z.string(),
  /** Absent in markers of racker releases before the downgrade check: such a version counts for no channel. */
  channel: z.string().optional(),
  /** The signing key the signatures were checked against. */
  key: z.string(),
  sha256: z.record(z.string(), z.string()),
});
export type VerifiedMarker = z.infer<typeof verifiedMarkerSchema>;

/**
 * The marker of the version in `dir`, checked; undefined when there is none (never verified, or a
 * leftover). A damaged marker is an error naming the file and field: racker can no longer tell
 * whether the files were verified, so it neither serves them nor counts the version for the
 * downgrade check, and it does not delete them either; the hint says how to start that version over.
 */
export async function readVerifiedMarker(dir: string): Promise<VerifiedMarker | undefined> {
  const file = join(dir, VERIFIED_MARKER);
  const hint = `delete ${dir} so racker fetches and verifies that version again`;
  const marker = await readJsonDocument(file, verifiedMarkerSchema, { code: ErrorCodes.assets, hint });
  if (marker === undefined) return undefined;
  if (marker.version !== basename(dir)) {
    throw new ValidationError(ErrorCodes.assets, `${file} is damaged`, [{ file, field: 'version', message: `names ${marker.version}, but the directory is ${basename(dir)}`, hint }]);
  }
  return marker;
}

/** Flatcar's image signing key as shipped with racker: the same path in the repository and in the payload (conf.yaml). */
export const FLATCAR_SIGNING_KEY = fileURLToPath(new URL('../../installer/keys/Flatcar_Image_Signing_Key.asc', import.meta.url));

export type AssetSource = { kind: 'url'; base: string } | { kind: 'dir'; dir: string };

export interface AssetOptions {
  source: AssetSource;
  /** The channel (stable, beta, alpha, lts): recorded with a verified version, and what `current` is checked against. */
  channel: string;
  /** A version like 4081.2.0, or current. */
  version: string;
  /** The boot service's assets root (served at /assets/); files go to <assetsDir>/flatcar/<version>/. */
  assetsDir: string;
  /** Where downloads wait until verified. */
  stagingDir: string;
  /** Armored public key file; default Flatcar's. */
  signingKey?: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface AssetResult {
  version: string;
  dir: string;
  /** Whether anything was fetched (false: served from the cache). */
  fetched: boolean;
}

/** The source from the configuration: a local directory wins over the URL. */
export function assetSource(flatcar: { channel: string; baseUrl: string; localDir?: string }): AssetSource {
  if (flatcar.localDir !== undefined) return { kind: 'dir', dir: flatcar.localDir };
  return { kind: 'url', base: flatcar.baseUrl.replace(/\{channel\}/g, flatcar.channel).replace(/\/+$/, '') };
}

export function parseVersionTxt(text: string): string | undefined {
  return /^FLATCAR_VERSION=(\d+\.\d+\.\d+)\s*$/m.exec(text)?.[1];
}


/** The sha256 of a file, read as a stream (images are large). */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** What `current` names, and where that was read (the URL or the local file) for messages. */
async function resolveCurrent(o: AssetOptions, staging: string): Promise<{ version: string; from: string }> {
  let text: string;
  let from: string;
  if (o.source.kind === 'dir') {
    from = join(o.source.dir, 'current', 'version.txt');
    try {
      text = await readFile(from, 'utf8');
    } catch (e) {
      if (isENOENT(e)) throw new RackerError(ErrorCodes.assets, `${from} is missing, so "current" cannot be resolved`, { hint: 'set bootstrap.flatcar.version to the version in the local directory' });
      throw e;
    }
  } else {
    from = `${o.source.base}/current/version.txt`;
    await mkdir(staging, { recursive: true });
    const dest = join(staging, 'current-version.txt');
    await rm(dest, { force: true });
    await rm(`${dest}.part`, { force: true });
    await download(from, dest, { signal: o.signal });
    text = await readFile(dest, 'utf8');
  }
  const v = parseVersionTxt(text);
  if (v === undefined) throw new RackerError(ErrorCodes.assets, `${from} has no FLATCAR_VERSION line`, { hint: 'set bootstrap.flatcar.version explicitly' });
  return { version: v, from };
}

/**
 * The newest version in the cache that was verified for `channel`. Versions verified before the
 * marker recorded a channel do not count: across channels a lower version is no downgrade.
 */
export async function newestVerifiedVersion(assetsDir: string, channel: string): Promise<string | undefined> {
  const root = join(assetsDir, 'flatcar');
  const dirs = await readdir(root).catch((e: unknown) => {
    if (isENOENT(e)) return [];
    throw e;
  });
  const versions: string[] = [];
  for (const d of dirs) if ((await readVerifiedMarker(join(root, d)))?.channel === channel) versions.push(d);
  return newestFlatcarVersion(versions);
}

async function resolveVersion(o: AssetOptions, staging: string): Promise<string> {
  if (o.version !== 'current') return o.version; // a pin is the operator's explicit choice, older or not
  const current = await resolveCurrent(o, staging);
  refuseCurrentDowngrade({ channel: o.channel, resolved: current.version, from: current.from, newestVerified: await newestVerifiedVersion(o.assetsDir, o.channel) });
  return current.version;
}

/** Make sure a verified copy of the version is being served; fetch and verify it if not. */
export async function ensureFlatcarAssets(o: AssetOptions): Promise<AssetResult> {
  const stagingRoot = join(o.stagingDir, 'flatcar');
  const version = await resolveVersion(o, stagingRoot);
  const served = join(o.assetsDir, 'flatcar', version);
  if (await readVerifiedMarker(served) !== undefined) return { version, dir: served, fetched: false };

  const staging = join(stagingRoot, version);
  await mkdir(staging, { recursive: true, mode: 0o755 });
  const keyFile = o.signingKey ?? FLATCAR_SIGNING_KEY;
  const digests: Record<string, string> = {};
  for (const name of FLATCAR_FILES) {
    for (const f of [name, `${name}.sig`]) {
      const dest = join(staging, f);
      if (await pathExists(dest)) continue; // fetched by an earlier, interrupted run
      if (o.source.kind === 'dir') {
        await copyFile(join(o.source.dir, version, f), dest).catch((e: unknown) => {
          throw new RackerError(ErrorCodes.assets, isENOENT(e) ? `${join(o.source.kind === 'dir' ? o.source.dir : '', version, f)} is missing` : `cannot copy ${f}: ${errorMessage(e)}`,
            { hint: `the local directory needs <version>/${FLATCAR_FILES.join(', ')} and their .sig files` });
        });
      } else {
        await download(`${o.source.base}/${version}/${f}`, dest, { onProgress: o.onProgress, signal: o.signal });
      }
    }
    try {
      await verifyImageSignature(join(staging, name), join(staging, `${name}.sig`), keyFile);
    } catch (e) {
      // Drop the bad pair so the next run fetches it again; nothing of this version is served.
      await rm(join(staging, name), { force: true });
      await rm(join(staging, `${name}.sig`), { force: true });
      throw e;
    }
    digests[name] = await fileSha256(join(staging, name));
  }
  const marker: VerifiedMarker = { version, channel: o.channel, key: keyFile, sha256: digests };
  await writeFile(join(staging, VERIFIED_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  await mkdir(join(o.assetsDir, 'flatcar'), { recursive: true });
  await rm(served, { recursive: true, force: true }); // an unverified leftover, never served as such
  await rename(staging, served);
  return { version, dir: served, fetched: true };
}
