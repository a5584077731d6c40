/** `bootstrap:` how `racker bootstrap` installs Flatcar (and Kubernetes) on the nodes. */
import { z } from 'zod';
import type { Pins } from '../pins.js';
import { diskOverrideSchema, installDiskSchema, WIPE_POLICIES } from './install-disk.js';

const absolute = z.string().regex(/^\//, 'must be an absolute path');
const seconds = (def: number) => z.number().int().min(1).max(86_400).default(def);

/**
 * Deadline of each waiting phase, in seconds as every key says. A missed deadline escalates before
 * it fails. (Until racker 0.2 the keys had no unit: renamed.ts reads those with a warning.)
 */
export const deadlinesSchema = z.strictObject({
  bmcCheckSeconds: seconds(60),
  bootOverrideSeconds: seconds(60),
  powerCycleSeconds: seconds(60),
  dhcpSeconds: seconds(300),
  bootIpxeSeconds: seconds(120),
  ipxeSeconds: seconds(120),
  kernelSeconds: seconds(300),
  installIgnitionSeconds: seconds(300),
  installedSeconds: seconds(1800),
  bootDiskSeconds: seconds(60),
  rebootSeconds: seconds(600),
  readySeconds: seconds(600),
  joinedSeconds: seconds(1200),
});

/** Versions, channel and sysext default to what conf.yaml pins (../pins.ts): read only when a setting is unset. */
export const bootstrapSection = (pins: () => Pins) => z.strictObject({
  flatcar: z.strictObject({
    channel: z.enum(['stable', 'beta', 'alpha', 'lts']).default(() => pins().flatcar.channel),
    /** A version like 4081.2.0, or `current` (resolved through the channel's version.txt). */
    version: z.string().regex(/^(current|\d+\.\d+\.\d+)$/, 'must be current or a version like 4081.2.0').default(() => pins().flatcar.version),
    /** Where images come from; {channel} is replaced. */
    baseUrl: z.string().regex(/^https?:\/\//, 'must be an http(s) URL').default('https://{channel}.release.flatcar-linux.net/amd64-usr'),
    /** Air-gapped sites: a directory holding <version>/<files> (and current/version.txt) instead of baseUrl. */
    localDir: absolute.optional(),
    /** OpenPGP public key the images are verified against; default: Flatcar's image signing key shipped with racker. */
    signingKey: absolute.optional(),
  }).prefault({}),
  /** Kernel console arguments, for the installer and the installed system (the original hard-coded ttyS1,57600n8). */
  console: z.array(z.string().regex(/^console=\S+$/, 'must be console=<device>[,options]')).default(['console=tty0', 'console=ttyS1,115200n8']),
  /** Extra kernel arguments for the installer and the installed system. */
  kernelArgs: z.array(z.string().regex(/^\S+$/, 'must be one argument without spaces')).default([]),
  /**
   * Disk to install to: a device path or a rule (install-disk.ts); default the smallest disk of at
   * least minDiskGiB that is neither removable nor USB. `nodeTypes` and `nodes` override it.
   */
  installDisk: installDiskSchema.optional(),
  minDiskGiB: z.number().int().min(1).max(100_000).default(10),
  /** What the installer may overwrite on a node racker never installed (install-disk.ts). */
  wipe: z.enum(WIPE_POLICIES).default('none'),
  /** Per nodes.csv node type (as written there, any case): installDisk and wipe. */
  nodeTypes: z.record(z.string(), diskOverrideSchema).default({}),
  /** Per node (primary MAC or host name, as `racker bootstrap --node` takes them): installDisk and wipe. */
  nodes: z.record(z.string(), diskOverrideSchema).default({}),
  /** Boot mode to request from the BMC first; a node that does not PXE-boot is retried with the other. */
  bootMode: z.enum(['efi', 'legacy']).default('efi'),
  deadlines: deadlinesSchema.prefault({}),
  /** Seconds the installer waits after reporting `installed` before it reboots (the agent sets disk boot meanwhile). */
  rebootDelaySeconds: z.number().int().min(0).max(600).default(15),
  kubernetes: z.strictObject({
    /** Kubernetes version of the Flatcar sysext (extensions.flatcar.org naming). */
    version: z.string().regex(/^v\d+\.\d+\.\d+$/, 'must be a version like v1.33.2').default(() => pins().kubernetes.version),
    /** Where the sysext image comes from; {version} is replaced. */
    sysextUrl: z.string().regex(/^https?:\/\//, 'must be an http(s) URL').default(() => pins().kubernetes.sysextUrl),
    /**
     * sha256 of the sysext image (64 hex digits). Unset: conf.yaml's pin, which only holds for the
     * pinned version (bootstrap/kubernetes/sysext.ts); any other version needs it set here.
     */
    sysextSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (sha256sum prints them)').optional(),
    /** Air-gapped sites: a directory holding the sysext image (the URL's file name) instead of sysextUrl. */
    sysextLocalDir: absolute.optional(),
    podSubnet: z.string().default('10.244.0.0/16'),
    serviceSubnet: z.string().default('10.96.0.0/12'),
    /** CNI manifest applied right after `kubeadm init`; without it nodes stay NotReady until one is applied. */
    cniManifest: absolute.optional(),
    /** Directory of manifests applied once every node is Ready. */
    manifestsDir: absolute.optional(),
  }).prefault({}),
});
