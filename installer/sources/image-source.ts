/**
 * Releases as container images (installer/Dockerfile) run with docker or podman. Each release is
 * tagged with its version, its major version and `latest`, so `racker update` pulls `<major>`,
 * `racker upgrade` pulls `latest` and `racker get V` pulls `V`, without listing a registry. The
 * pulled image's version comes from its `org.opencontainers.image.version` label; running it
 * installs it (the extractor inside does the work, with the same checks as a tarball install).
 */
import type { Exec } from '../../agent/lib/exec.js';
import { CommandFailedError, ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import { isVersion, parseVersion } from '../versions.js';

export type ImageRuntime = 'docker' | 'podman';

export const VERSION_LABEL = 'org.opencontainers.image.version';

export const imageArgs = {
  pull: (ref: string) => ['pull', ref],
  version: (ref: string) => ['image', 'inspect', '--format', `{{ index .Config.Labels "${VERSION_LABEL}" }}`, ref],
  /** The one way the installer image runs (its extractor refuses anything else). */
  run: (ref: string) => ['run', '--rm', '--privileged', '--pid', 'host', ref],
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
  exec: Exec;
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

  /** Pull the image for `want` and return its reference and the version it carries. */
  async pull(want: Want): Promise<{ ref: string; version: string }> {
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
    return { ref, version };
  }

  /** Run the pulled image: its extractor installs into the host. Returns what it printed. */
  async install(ref: string): Promise<string> {
    const r = await this.o.exec(await this.runtime(), imageArgs.run(ref), { timeoutMs: 1_800_000 });
    return r.stdout;
  }
}
