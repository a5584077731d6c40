/**
 * The default of `dhcp.ipxeDir`. Flatcar has no ipxe package, so racker's payload ships iPXE's boot
 * files in its own `ipxe/` directory (conf.yaml, module `ipxe`). racker run from a payload
 * (/opt/racker/versions/<v>/, reached through the `current` link) serves those; racker run from a
 * checkout (development, tests) serves Debian's. The payload is recognised by its MANIFEST, which
 * the build always writes at its root and a checkout never has.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE } from './paths.js';

/** Where Debian's ipxe package puts the boot files. */
export const DEBIAN_IPXE_DIR = '/usr/lib/ipxe';

/**
 * The root of the tree this code runs from: this file is <root>/dist/agent/config/ipxe-dir.js in
 * both a checkout and a payload. Resolved from the real file, so /opt/bin/racker's links end at
 * the version that is running, not at whatever `current` points to later.
 */
export function codeRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** `<root>/ipxe` when `root` is a racker payload, else Debian's directory. */
export function defaultIpxeDir(root: string = codeRoot()): string {
  return existsSync(join(root, MANIFEST_FILE)) ? join(root, 'ipxe') : DEBIAN_IPXE_DIR;
}
