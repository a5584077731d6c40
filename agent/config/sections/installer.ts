/**
 * `installer:` where racker is installed, how its service is managed, and where new versions come
 * from (`racker update / upgrade / get`). Without a source, `racker version` reports only what is
 * installed, and update/upgrade/get say how to configure one.
 */
import { z } from 'zod';

const absolute = z.string().regex(/^\//, 'must be an absolute path');

/** A container image carrying a signed payload (installer/Dockerfile); tags are versions, `latest` and majors. */
const imageSource = z.strictObject({
  type: z.literal('image'),
  /** Repository without tag, e.g. `quay.io/example/racker`. */
  image: z.string().regex(/^[a-z0-9][a-z0-9._/:-]*$/, 'must be an image repository without tag, e.g. quay.io/example/racker'),
  runtime: z.enum(['auto', 'docker', 'podman']).default('auto'),
  /** Certificates allowed to sign releases: the payload inside the image is verified against them before it is installed. */
  keyring: absolute,
});

/**
 * A release directory, local (air-gapped sites: a USB stick or a mirror) or over HTTP(S), holding
 * `SHA256SUMS` and, per version, `racker-<v>-linux-x64.tar.gz` with its detached OpenPGP signature
 * `racker-<v>-linux-x64.tar.gz.sig`, checked against `keyring`.
 */
const tarballSource = z.strictObject({
  type: z.literal('tarball'),
  location: z.string().regex(/^(\/|https?:\/\/)/, 'must be an absolute path or an http(s):// URL'),
  keyring: absolute,
});

export const installerSection = z.strictObject({
  /** The root `/opt/racker` and the units live under; `/` except in tests and chroots. */
  root: absolute.default('/'),
  /** The systemctl program (run on the host). */
  systemctl: z.string().min(1).default('systemctl'),
  agentUnit: z.string().min(1).default('racker-agent.service'),
  /** How many versions to keep in /opt/racker/versions (current and previous included). */
  keepVersions: z.number().int().min(2).max(20).default(3),
  /** How long a restarted agent has to become ready before the install is rolled back. */
  readyTimeoutSeconds: z.number().int().min(1).max(3600).default(120),
  /** Services that may reboot the host for an OS update; held off while racker installs, then restored. */
  rebootHolders: z.array(z.string().min(1)).default(['locksmithd.service', 'update-engine.service']),
  source: z.discriminatedUnion('type', [imageSource, tarballSource]).optional(),
});

export type InstallerSource = z.output<typeof installerSection>['source'];
