/**
 * What the boot service tells the rest of the agent. Every request becomes a BootRequestEvent
 * (the state machine follows a node through /boot.ipxe → /ipxe → assets → /ignition), and every
 * accepted phone-home becomes a PhoneHomeEvent.
 */
import { Emitter } from '../lib/emitter.js';
import type { HardwareReport } from '../inventory/hardware.js';

export type Endpoint = 'home' | 'boot.ipxe' | 'ipxe' | 'grub' | 'ignition' | 'metadata' | 'generic' | 'assets' | 'events' | 'other';

export interface BootRequestEvent {
  type: 'request';
  at: Date;
  endpoint: Endpoint;
  method: string;
  /** The request's `mac` label, normalised; undefined when it had none. */
  mac: string | undefined;
  clientIp: string;
  status: number;
  /** The request's `os` label (`installed` after the install), which tells install and installed boots apart. */
  os: string | undefined;
  /** Selected group id and profile id, when selection ran and matched. */
  group: string | undefined;
  profile: string | undefined;
  /** The asset path for /assets/ requests. */
  path?: string;
  /** Body bytes sent (assets: how far a download got). */
  bytes: number;
  /** Set when the client went away before the response was complete. */
  aborted: boolean;
}

/**
 * What a node reports to the phone-home endpoint (the bootstrap reads all but `inventory` as an
 * Observation's status; `inventory` carries the node's hardware and is kept in its record).
 * `refused` is a failure the node would report again on every boot (the install-disk rule's
 * verdict on the same disks): the failure policy does not retry it.
 */
export const PHONE_HOME_STATUSES = ['installed', 'ready', 'joined', 'failed', 'refused', 'inventory'] as const;
export type PhoneHomeStatus = (typeof PHONE_HOME_STATUSES)[number];

export interface PhoneHomeEvent {
  type: 'phone-home';
  at: Date;
  mac: string;
  clientIp: string;
  status: PhoneHomeStatus;
  /** Why, for `failed` (free text from the node, truncated). */
  reason: string | undefined;
  /** For `failed`: the last lines of the failing step's output, as the node sent them (bounded). */
  output?: string;
  /** For `inventory`: the hardware the node reported (validated). */
  inventory?: HardwareReport;
}

export type BootEvent = BootRequestEvent | PhoneHomeEvent;

export type BootEvents = Emitter<BootEvent>;
