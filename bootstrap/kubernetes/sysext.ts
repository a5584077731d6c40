/**
 * Flatcar's Kubernetes system extension (kubeadm, kubelet, kubectl as one image), brought to the
 * rack once by the agent and served to the nodes from its boot service, so nodes never reach the
 * Internet and every node runs exactly the pinned bytes.
 *
 * The image is fetched from `sysextUrl` (or copied from `sysextLocalDir` on air-gapped sites) into
 * the downloads folder, its sha256 compared with the pin, and only then moved into the assets as
 * `<assets>/kubernetes/<version>/<file>` next to a marker naming the digest. A version whose marker
 * carries the expected digest is served from there and never fetched again. Nodes get the file
 * through Ignition with `verification.hash`, so they check the same digest themselves.
 *
 * The pin: `bootstrap.kubernetes.sysextSha256`, else conf.yaml's `pins.kubernetes.sysextSha256`,
 * which describes the pinned version only. Wherever the bytes come from (the default URL, a mirror,
 * a local copy), the digest decides; a source is never trusted instead of a digest, and without a
 * digest a Kubernetes bootstrap is refused at plan time (sysextPinProblem).
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ErrorCodes, RackerError, isENOENT, errorMessage, type Problem } from '../../agent/lib/errors.js';
import { readJsonDocument } from '../../agent/lib/json-document.js';
import { assetFiles } from '../../agent/config/paths.js';
import type { Pins } from '../../agent/config/pins.js';
import { download, type Progress } from '../download.js';
import { fileSha256 } from '../assets.js';
import { pathExists } from '../../agent/lib/path-exists.js';

/** The marker written next to a verified image: its version, digest and where it came from. */
export const SYSEXT_MARKER = '.racker-verified.json';

export const sysextMarkerSchema = z.object({
  version: z.string(),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 digest (64 hex digits)'),
  /** The URL or local file it was taken from. */
  from: z.string(),
});
export type SysextMarker = z.infer<typeof sysextMarkerSchema>;

export interface SysextSettings {
  version: string;
  sysextUrl: string;
  sysextSha256?: string;
  sysextLocalDir?: string;
}

export interface SysextPin {
  version: string;
  /** The image's file name: the URL's last segment with {version} filled in. */
  file: string;
  /** The URL, or the file in the local directory: named in messages. */
  source: { kind: 'url'; url: string } | { kind: 'dir'; path: string };
  /** undefined: nothing pins the image (refused at plan time). */
  sha256: string | undefined;
  /** Where the digest comes from, for messages. */
  pinnedBy: string;
}

/** The sysext's source and pin from the configuration and conf.yaml's pins (pure). */
export function sysextPin(k: SysextSettings, pins: Pins['kubernetes']): SysextPin {
  const url = k.sysextUrl.replace(/\{version\}/g, k.version);
  const file = basename(new URL(url).pathname);
  const source: SysextPin['source'] = k.sysextLocalDir === undefined ? { kind: 'url', url } : { kind: 'dir', path: join(k.sysextLocalDir, file) };
  if (k.sysextSha256 !== undefined) return { version: k.version, file, source, sha256: k.sysextSha256, pinnedBy: 'bootstrap.kubernetes.sysextSha256' };
  // conf.yaml's digest is that of the pinned version's image, from any source; for another version it says nothing.
  const sha256 = k.version === pins.version ? pins.sysextSha256 : undefined;
  return { version: k.version, file, source, sha256, pinnedBy: `conf.yaml pins.kubernetes.sysextSha256 (${pins.version})` };
}

/** Why a Kubernetes plan cannot use the sysext, as a plan problem; undefined when it is pinned. */
export function sysextPinProblem(p: SysextPin, pins: Pins['kubernetes'], configFile: string): Problem | undefined {
  if (p.sha256 !== undefined) return undefined;
  const where = p.source.kind === 'url' ? p.source.url : p.source.path;
  const why = p.version === pins.version
    ? `this racker release pins no sha256 for the Kubernetes ${p.version} system extension (conf.yaml pins.kubernetes.sysextSha256, which the release step fills in)`
    : `the Kubernetes version ${p.version} is not the pinned ${pins.version}, so racker's pin does not apply`;
  return {
    file: configFile, field: 'bootstrap.kubernetes.sysextSha256',
    message: `${why}: nodes would run an unverified ${p.file}`,
    hint: `take ${p.file} from a source you trust (${where}), check it against its publisher's checksum, and set bootstrap.kubernetes.sysextSha256 to the output of \`sha256sum ${p.file}\``,
  };
}

/** Where the verified image is served, below /assets/ (the layout of agent/config/paths.ts assetFiles). */
export function sysextAssetPath(p: Pick<SysextPin, 'version' | 'file'>): string {
  return `kubernetes/${p.version}/${p.file}`;
}

export interface SysextOptions {
  pin: SysextPin;
  /** The boot service's assets root (served at /assets/). */
  assetsDir: string;
  /** Where a download waits until its digest is checked. */
  stagingDir: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface SysextResult {
  /** The image's path below /assets/. */
  assetPath: string;
  sha256: string;
  /** Whether anything was fetched (false: served from the cache). */
  fetched: boolean;
}

/**
 * The digest the marker in `dir` records; undefined when there is none (never verified). A damaged
 * marker is an error naming the file and field: racker cannot tell what the directory holds, so it
 * neither serves it nor replaces it behind the operator's back (that would also need the network).
 */
async function verifiedDigest(dir: string): Promise<string | undefined> {
  const marker = await readJsonDocument(join(dir, SYSEXT_MARKER), sysextMarkerSchema, { code: ErrorCodes.assets, hint: `delete ${dir} so racker fetches and checks the image again` });
  return marker?.sha256;
}

/** Make sure the pinned image is being served; fetch (or copy) and verify it if not. */
export async function ensureSysext(o: SysextOptions): Promise<SysextResult> {
  const { pin } = o;
  const expected = pin.sha256;
  if (expected === undefined) throw new RackerError(ErrorCodes.assets, `nothing pins the sha256 of ${pin.file}`, { hint: 'set bootstrap.kubernetes.sysextSha256' });
  const served = assetFiles(o.assetsDir).kubernetesSysextDir(pin.version);
  const assetPath = sysextAssetPath(pin);
  if (await verifiedDigest(served) === expected && await pathExists(join(served, pin.file))) return { assetPath, sha256: expected, fetched: false };

  const staging = join(o.stagingDir, 'kubernetes', pin.version);
  await mkdir(staging, { recursive: true, mode: 0o755 });
  const dest = join(staging, pin.file);
  const from = pin.source.kind === 'url' ? pin.source.url : pin.source.path;
  if (pin.source.kind === 'dir') {
    await rm(dest, { force: true });
    await copyFile(pin.source.path, dest).catch((e: unknown) => {
      throw new RackerError(ErrorCodes.assets, isENOENT(e) ? `${from} is missing` : `cannot copy ${from}: ${errorMessage(e)}`,
        { hint: `bootstrap.kubernetes.sysextLocalDir needs ${pin.file}` });
    });
  } else {
    await download(pin.source.url, dest, { onProgress: o.onProgress, signal: o.signal, hints: {
      offline: 'check the network, or set bootstrap.kubernetes.sysextLocalDir for an air-gapped site', notFound: 'check bootstrap.kubernetes.version and sysextUrl',
    } });
  }
  const actual = await fileSha256(dest);
  if (actual !== expected) {
    await rm(dest, { force: true }); // never served, and the next run fetches it afresh
    throw new RackerError(ErrorCodes.assets, `${pin.file} from ${from} has sha256 ${actual}, but ${expected} is expected (${pin.pinnedBy})`,
      { hint: 'the file is not the pinned one (a wrong or tampered source, or a different build): fix the source, or if you trust this file, set bootstrap.kubernetes.sysextSha256 to its digest' });
  }
  const marker: SysextMarker = { version: pin.version, file: pin.file, sha256: actual, from };
  await writeFile(join(staging, SYSEXT_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  await mkdir(join(o.assetsDir, 'kubernetes'), { recursive: true });
  await rm(served, { recursive: true, force: true }); // another digest's image, or an unverified leftover
  await rename(staging, served);
  return { assetPath, sha256: actual, fetched: true };
}
