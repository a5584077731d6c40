/**
 * Releases as container images (installer/Dockerfile), pulled with docker or podman. Each release
 * is tagged with its version, its major version and `latest`, so `racker update` pulls `<major>`,
 * `racker upgrade` pulls `latest` and `racker get V` pulls `V`, without listing a registry. The
 * label `org.opencontainers.image.version` says which version an image claims to be.
 *
 * Nothing from the image runs: `racker update` copies the payload and its detached signature out
 * of a created (never started) container of the pulled image's ID, verifies the signature against
 * the configured keyring and the payload's VERSION against the label, and then installs the
 * payload with this host's installer, as for a tarball source. Running the image privileged (its
 * entry point) would run code the signature does not cover; that stays a manual first install
 * (docs/installer.md).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Exec } from '../../agent/lib/exec.js';
import { payloadFileName } from '../archive.js';
import { verifySignature } from './signature.js';
import { assertPayloadVersion } from './signed-version.js';
import { CommandFailedError, ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import { isVersion, parseVersion } from '../versions.js';

export type ImageRuntime = 'docker' | 'podman';

export const VERSION_LABEL = 'org.opencontainers.image.version';

/** Where installer/Dockerfile puts the payload and its signature. */
export const IMAGE_PAYLOAD = '/racker/payload.tar.gz';

export const imageArgs = {
  pull: (ref: string) => ['pull', ref],
  version: (ref: string) => ['image', 'inspect', '--format', `{{ index .Config.Labels "${VERSION_LABEL}" }}`, ref],
  /** The image's content-addressed ID: what is verified is what is read from, whatever the tag points to later. */
  id: (ref: string) => ['image', 'inspect', '--format', '{{ .Id }}', ref],
  /** A container that is never started: files can be copied out of it, nothing of the image runs. */
  create: (id: string) => ['create', id],
  copyOut: (container: string, path: string, dest: string) => ['cp', `${container}:${path}`, dest],
  remove: (container: string) => ['rm', '--force', container],
} as const;

export type Want = { kind: 'update'; current: string } | { kind: 'upgrade' } | { kind: 'get'; version: string };

/** The tag that names what is wanted. */
export function imageTag(want: Want): string {
  switch (want.kind) {
    case 'update': {
      const major = parseVersion(want.current)?.major;
      if (major === undefined) throw new RackerError(ErrorCodes.notFound, `the current version "${want.current}" has no major version`, { hint: 'use racker get VERSION' });
      return String(major);
    }
    case 'upgrade': return 'latest';
    case 'get': return want.version;
  }
}

export interface ImageSourceOptions {
  image: string;
  runtime: 'auto' | ImageRuntime;
  /** Certificates allowed to sign releases (as for a tarball source). */
  keyring: string;
  exec: Exec;
}

export interface PulledImage {
  ref: string;
  /** The image ID the payload is read from. */
  id: string;
  /** What the label claims; the payload must carry the same. */
  version: string;
}

export class ImageSource {
  private chosen: ImageRuntime | undefined;

  constructor(private readonly o: ImageSourceOptions) {}

  get describe(): string { return this.o.image; }

  /** docker, or podman when docker is not installed (or as configured). */
  async runtime(): Promise<ImageRuntime> {
    if (this.o.runtime !== 'auto') return this.o.runtime;
    if (this.chosen !== undefined) return this.chosen;
    for (const candidate of ['docker', 'podman'] as const) {
      try {
        await this.o.exec(candidate, ['--version'], { timeoutMs: 10_000 });
        return (this.chosen = candidate);
      } catch (e) {
        if (!(e instanceof CommandFailedError)) throw e;
      }
    }
    throw new RackerError(ErrorCodes.notFound, 'neither docker nor podman is installed', { hint: 'Flatcar ships docker; or configure a tarball source' });
  }

  /** Pull the image for `want` and return its reference, ID and the version its label claims. */
  async pull(want: Want): Promise<PulledImage> {
    const rt = await this.runtime();
    const ref = `${this.o.image}:${imageTag(want)}`;
    await this.o.exec(rt, imageArgs.pull(ref), { timeoutMs: 1_800_000 });
    const version = (await this.o.exec(rt, imageArgs.version(ref), { timeoutMs: 30_000 })).stdout.trim();
    if (!isVersion(version)) {
      throw new RackerError(ErrorCodes.payload, `image ${ref} has no version label (${VERSION_LABEL}: ${JSON.stringify(version)})`,
        { hint: 'it was not built from installer/Dockerfile; use a racker release image' });
    }
    if (want.kind === 'get' && version !== want.version) {
      throw new RackerError(ErrorCodes.payload, `image ${ref} carries racker ${version}, not ${want.version}`, { hint: 'the tag and the image disagree; report it to whoever publishes the images' });
    }
    const id = (await this.o.exec(rt, imageArgs.id(ref), { timeoutMs: 30_000 })).stdout.trim();
    return { ref, id, version };
  }

  /** Copy the payload and its signature out of the image into `dir`, verify both, and return the payload's path. */
  async fetchVerified(image: PulledImage, dir: string): Promise<string> {
    const rt = await this.runtime();
    const payload = join(dir, payloadFileName(image.version));
    const container = (await this.o.exec(rt, imageArgs.create(image.id), { timeoutMs: 120_000 })).stdout.trim();
    try {
      await this.o.exec(rt, imageArgs.copyOut(container, IMAGE_PAYLOAD, payload), { timeoutMs: 600_000 });
      await this.o.exec(rt, imageArgs.copyOut(container, `${IMAGE_PAYLOAD}.sig`, `${payload}.sig`), { timeoutMs: 60_000 });
    } catch (e) {
      if (!(e instanceof CommandFailedError)) throw e;
      throw new RackerError(ErrorCodes.verify, `image ${image.ref} holds no signed payload (${IMAGE_PAYLOAD} and ${IMAGE_PAYLOAD}.sig)`,
        { hint: 'nothing was run or changed; use a racker release image built from installer/Dockerfile', cause: e });
    } finally {
      await this.o.exec(rt, imageArgs.remove(container), { timeoutMs: 60_000 }).catch(() => undefined); /* best effort: a left container holds no process */
    }
    try {
      await verifySignature({ file: payload, sig: `${payload}.sig`, keyring: this.o.keyring });
      await assertPayloadVersion(payload, image.version, `image ${image.ref}`, this.o.exec);
      return payload;
    } catch (e) {
      await rm(payload, { force: true });
      throw e;
    }
  }
}
