/** The whole configuration file: one schema assembled from one section per subsystem. */
import { z } from 'zod';
import { pathsSection } from './sections/paths.js';
import { networkSection } from './sections/network.js';
import { dhcpSection } from './sections/dhcp.js';
import { bootSection } from './sections/boot.js';
import { bmcSection } from './sections/bmc.js';
import { agentSection } from './sections/agent.js';
import { installerSection } from './sections/installer.js';
import { bootstrapSection } from './sections/bootstrap.js';
import type { PathKey } from './paths.js';
import type { Problem } from '../lib/errors.js';
import { DEBIAN_IPXE_DIR } from './ipxe-dir.js';
import { runtimePins, type Pins } from './pins.js';

/**
 * `ipxeDirDefault`: dhcp.ipxeDir when unset, which depends on where racker runs (../ipxe-dir.ts).
 * `pins`: conf.yaml's pinned versions, the bootstrap defaults (./pins.ts); called only if needed.
 */
export function configSchema(pathDefaults: Record<PathKey, string>, ipxeDirDefault: string = DEBIAN_IPXE_DIR, pins: () => Pins = () => runtimePins()) {
  return z.strictObject({
    paths: pathsSection(pathDefaults).prefault({}),
    network: networkSection.prefault({}),
    dhcp: dhcpSection(ipxeDirDefault).prefault({}),
    boot: bootSection.prefault({}),
    bmc: bmcSection.prefault({}),
    agent: agentSection.prefault({}),
    installer: installerSection.prefault({}),
    bootstrap: bootstrapSection(pins).prefault({}),
  });
}

type Schema = ReturnType<typeof configSchema>;
type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The validated, frozen configuration every subsystem receives. */
export type Config = DeepReadonly<z.output<Schema>> & {
  /** The file it came from, or undefined when only defaults and environment applied. */
  readonly source: string | undefined;
  /** What the file should change though it loads (old setting names: renamed.ts), each by file and line. */
  readonly warnings: readonly Readonly<Problem>[];
};
