/**
 * What the agent sees a node do on the internal network, as the bootstrap consumes it. Its own file
 * (not ports.ts) because the phase table, the job state and the ports all need it.
 */
import type { Mac } from '../agent/lib/mac.js';
import type { PhoneHomeStatus } from '../agent/boot/events.js';

/** Kinds of progress the agent observes on the internal network, in the order a PXE install produces them. */
export const OBSERVATION_KINDS = ['dhcp-ack', 'boot.ipxe', 'ipxe', 'kernel', 'initrd', 'ignition', 'phone-home'] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

/**
 * One thing seen from a node: a DHCP lease, an HTTP request to the boot service (with the `os`
 * label for the post-install Ignition), or a phone-home report authenticated by the node's token.
 */
export interface Observation {
  mac: Mac;
  kind: ObservationKind;
  /** Milliseconds since the epoch, from the Clock of whoever observed it. */
  at: number;
  /** For `ignition` (and `ipxe`): the `os` label of the request, 'installed' after the install. */
  os?: 'installed';
  /** For `phone-home`. */
  status?: PhoneHomeStatus;
  /** For `phone-home` with status `failed`: what the node says went wrong. */
  reason?: string;
  /** For `phone-home` with status `failed`: the last lines of the failing step's output. */
  output?: string;
}
