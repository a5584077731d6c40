/**
 * conf.yaml: what the payload holds (modules, their assets and build commands) and the versions
 * racker pins for the rack (Flatcar, Kubernetes, iPXE files). Read by the payload build and, from
 * an installed version's copy, by anything that needs the pins at run time.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ErrorCodes, RackerError, ValidationError, errorMessage } from '../lib/errors.js';
import { isSafeRelativePath } from '../lib/relative-path.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const relative = z.string().refine((p) => p === '.' || isSafeRelativePath(p), 'must be a relative path inside the payload');

/** A file or directory from this repository (relative) or the build machine (absolute), copied. */
const fileAsset = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1),
  dest: relative.optional(),
  /** For a single file: checksum it must have (pins files from outside the repository). */
  sha256: sha256.optional(),
  mode: z.number().int().min(0).max(0o777).optional(),
  /** Skip silently when missing (for a directory another part of racker may not have yet). */
  optional: z.boolean().default(false),
});

/** Downloaded once into the build cache and checked. */
const urlAsset = z.strictObject({
  type: z.literal('url'),
  url: z.string().regex(/^https:\/\//, 'must be an https:// URL'),
  sha256,
  dest: relative,
  mode: z.number().int().min(0).max(0o777).optional(),
});

/** Files taken from an npm package tarball, pinned by version and Subresource Integrity. */
const npmAsset = z.strictObject({
  type: z.literal('npm'),
  package: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact version'),
  integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]+={0,2}$/, 'must be a sha512 integrity string'),
  /** Paths inside the package (without its `package/` prefix) to take. */
  files: z.array(z.string().refine(isSafeRelativePath, 'must be a relative path')).min(1),
});

/** The production dependencies from package-lock.json, copied from node_modules. */
const productionDepsAsset = z.strictObject({ type: z.literal('production-deps') });

const asset = z.discriminatedUnion('type', [fileAsset, urlAsset, npmAsset, productionDepsAsset]);

const moduleSchema = z.strictObject({
  /** Directory of the payload this module fills; `.` is the payload's root. */
  name: relative,
  assets: z.array(asset).default([]),
  /** Commands run in the module's directory after its assets are in place: argv lists, no shell. */
  build: z.array(z.array(z.string()).min(1)).default([]),
});

const pinsSchema = z.strictObject({
  flatcar: z.strictObject({
    channel: z.enum(['stable', 'beta', 'alpha', 'lts']),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    /** The image signing key inside the payload, and its primary key's fingerprint. */
    signingKey: relative,
    signingKeyFingerprint: z.string().regex(/^[0-9A-F]{40}$/),
  }),
  kubernetes: z.strictObject({
    version: z.string().regex(/^v\d+\.\d+\.\d+$/),
    /** Where Flatcar's Kubernetes system extension of that version comes from; {version} is replaced. */
    sysextUrl: z.string().regex(/^https:\/\/\S+\{version\}\S*$/, 'must be an https:// URL containing {version}'),
    /**
     * sha256 of that version's sysext image, set when a release is cut (docs/bootstrap.md); without
     * it a Kubernetes bootstrap needs bootstrap.kubernetes.sysextSha256 in the configuration.
     */
    sysextSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits').optional(),
  }),
  ipxe: z.strictObject({ bios: relative, efi: relative, snp: relative.optional() }),
});

/**
 * What a payload built from these pins leaves to its operators, as warnings for the build: a
 * payload without the sysext digest bootstraps Flatcar racks, but refuses every Kubernetes plan
 * whose configuration does not pin the sysext itself (bootstrap/kubernetes/sysext.ts).
 */
export function unpinnedWarnings(pins: Pins, file: string): string[] {
  if (pins.kubernetes.sysextSha256 !== undefined) return [];
  const url = pins.kubernetes.sysextUrl.replace(/\{version\}/g, pins.kubernetes.version);
  return [`${file} pins no sha256 for the Kubernetes ${pins.kubernetes.version} system extension (pins.kubernetes.sysextSha256): ` +
    'this payload provisions Flatcar, but refuses every Kubernetes bootstrap whose configuration does not set bootstrap.kubernetes.sysextSha256. ' +
    `The release step fills it in: download ${url}, check it against the checksum its publisher lists, and write the output of sha256sum into pins.kubernetes.sysextSha256 (docs/bootstrap.md)`];
}

export const buildConfSchema = z.strictObject({
  modules: z.array(moduleSchema).min(1),
  pins: pinsSchema,
});

export type BuildConf = z.output<typeof buildConfSchema>;
export type BuildModule = BuildConf['modules'][number];
export type Asset = BuildModule['assets'][number];
export type Pins = BuildConf['pins'];

/** Parse and validate conf.yaml text, reporting every problem with its setting path. */
export function parseBuildConf(text: string, file: string): BuildConf {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(ErrorCodes.build, `${file} is not valid YAML`, doc.errors.map((e) => ({
      file, line: e.linePos?.[0].line, message: e.message.split('\n')[0] ?? e.message,
    })));
  }
  const result = buildConfSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new ValidationError(ErrorCodes.build, `${file} has problems`, result.error.issues.map((i) => ({
      file, field: i.path.map(String).join('.') || '(top level)', message: i.message,
    })));
  }
  return result.data;
}

export async function loadBuildConf(file: string): Promise<BuildConf> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RackerError(ErrorCodes.build, `cannot read ${file}: ${errorMessage(e)}`, { cause: e });
  }
  return parseBuildConf(text, file);
}
