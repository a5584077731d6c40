/**
 * The narrow interfaces through which the bootstrap reaches the rest of the agent. Each one is what
 * the bootstrap needs and nothing more; adapters to the real subsystems (BMC client, dnsmasq lease
 * events, the boot service's request log and phone-home endpoint, the state store) implement them
 * and fakes in test/lib implement them for unit tests.
 */
import type { Mac } from '../agent/lib/mac.js';
import type { Observation } from './observation.js';
import type { BootDevice, PowerState } from '../agent/bmc/bmc-client.js';
import type { BmcFacts } from '../agent/inventory/bmc-facts.js';

/** What the bootstrap knows about a node when it talks to its BMC. */
export interface NodeRef {
  /** Primary (PXE) MAC: the node's identity throughout. */
  mac: Mac;
  bmcMac: Mac;
  bmcAddress: string;
  hostname: string;
}

/** The boot devices a bootstrap sets: the network for the install, the disk after it. */
export type InstallBootDevice = Extract<BootDevice, 'pxe' | 'disk'>;

export interface BootDeviceSetting {
  device: InstallBootDevice;
  /** Keep the override across reboots (so a node that reboots mid-install PXE-boots again). Undefined: the BMC does not report it. */
  persistent?: boolean;
  /** UEFI (true) or legacy BIOS (false) boot. Undefined: the BMC does not report it. */
  efi?: boolean;
}

/** Power and boot-device control over the BMC; rate limits and retries live behind it. */
export interface BootControl {
  setBootDevice(node: NodeRef, device: InstallBootDevice, options: { persistent: boolean; efi: boolean }): Promise<void>;
  /** Read the boot override back; undefined when the BMC reports none. */
  readBootDevice(node: NodeRef): Promise<BootDeviceSetting | undefined>;
  powerStatus(node: NodeRef): Promise<PowerState>;
  powerOn(node: NodeRef): Promise<void>;
  powerOff(node: NodeRef): Promise<void>;
  powerCycle(node: NodeRef): Promise<void>;
  /**
   * What the BMC says about its server (IPMI FRU 0, the Redfish System). Rejects when the BMC
   * cannot say (no FRU, a driver without it). Optional: a control without it reads none.
   */
  serverFacts?(node: NodeRef): Promise<BmcFacts>;
}

/** Where the facts a BMC gave about its server are kept: the node's record, next to its inspection. */
export type BmcFactsKeeper = (node: NodeRef, facts: BmcFacts) => Promise<void>;

/**
 * A stream of observations; subscribe before acting so nothing is missed. Adapters should replay,
 * on subscribe, each node's latest phone-home report of the running job, so that an agent restarted
 * while a node reported `ready` does not wait for a report that already came.
 */
export interface ProgressObservations {
  /** Returns the unsubscribe function. */
  subscribe(listener: (o: Observation) => void): () => void;
}

/** A matchbox profile (matchbox-api.md §2.6). */
export interface MatchboxProfile {
  id: string;
  name?: string;
  ignition_id?: string;
  generic_id?: string;
  boot?: { kernel: string; initrd: string[]; args: string[] };
}

/** A matchbox group (matchbox-api.md §2.6). */
export interface MatchboxGroup {
  id: string;
  name?: string;
  profile: string;
  selector?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

/** Where the boot service reads groups, profiles and Ignition (matchbox's on-disk layout). */
export interface BootStore {
  putProfile(profile: MatchboxProfile): Promise<void>;
  putGroup(group: MatchboxGroup): Promise<void>;
  putIgnition(name: string, content: string): Promise<void>;
  removeGroup(id: string): Promise<void>;
  removeIgnition(name: string): Promise<void>;
}

/** Which job a token is for and the node's reserved address, the only one it is accepted from (undefined: any, boot.restrictIgnitionToNode off). */
export interface TokenRequest {
  job: string;
  address: string | undefined;
}

/** Per-job, per-node secrets the phone-home endpoint accepts. The token never appears in argv or logs. */
export interface PhoneHomeTokens {
  /** The node's token for this job, created on first use (the same on every call of the job until it expires or is revoked). */
  tokenFor(mac: Mac, r: TokenRequest): Promise<string>;
  /** The node is done: its token is no longer accepted. */
  revoke(mac: Mac): Promise<void>;
}

/** Timers, injectable so the state machine runs under a fake clock in unit tests. */
export interface Clock {
  now(): number;
  /** Call fn after ms; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** Where the job's state goes after every transition, so a restarted agent can resume. */
export interface StateSink {
  save(state: import('./job-state.js').JobState): Promise<void>;
}

/** Answers a failure-policy question ("ask") through whoever is attached (the CLI). */
export interface FailureAsker {
  ask(failure: import('./failure.js').NodeFailure): Promise<'retry' | 'exclude' | 'cancel'>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** Wait `ms` on `clock`; rejects with the signal's reason when it aborts first. */
export function clockSleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = (): void => {
      cancel();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
