/**
 * How the agent's optional subsystems plug in. The composition root (agent.ts) knows only these
 * narrow shapes; the DHCP (dnsmasq), boot service, BMC and bootstrap subsystems provide them, and
 * `defaultSubsystems()` is the one place where they are wired into the shipped agent.
 */
import type { AgentMetrics } from '../metrics/metrics.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import type { EventLog } from '../state/event-log.js';
import type { StateStore } from '../state/state-store.js';
import type { PowerReader } from '../bmc-poller/poller.js';
import type { AgentInputs, DependsOn } from './inputs.js';
import type { JobRunner } from './jobs.js';

/** What a subsystem gets to build itself from. */
export interface AgentDeps {
  /** The current inputs (they change on reload). */
  inputs(): AgentInputs;
  state: StateStore;
  events: EventLog;
  metrics: AgentMetrics;
  log: Logger;
}

/** A long-running subsystem, e.g. dnsmasq supervision or the boot HTTP service. */
export interface ServiceEntry {
  name: string;
  /** A reload that changes none of these leaves the service alone. */
  dependsOn: DependsOn;
  create(deps: AgentDeps): Service;
  /** Apply new inputs in place (e.g. re-render and SIGHUP dnsmasq); without it the service is restarted. */
  reload?(service: Service, deps: AgentDeps, signal: AbortSignal): Promise<void>;
}

export interface Subsystems {
  /** Started in this order after the state and metrics, before the BMC poller (DHCP, then boot). */
  services?: readonly ServiceEntry[];
  /** The BMC layer's power reader; without one, power states are not polled. */
  powerReader?: (deps: AgentDeps) => PowerReader;
  /** The bootstrap runner; without one, POST /v1/jobs answers 501. */
  jobRunner?: (deps: AgentDeps) => JobRunner;
}

/**
 * The subsystems of the shipped agent. Wire new ones here, e.g.
 *   services: [dhcpEntry, bootEntry], powerReader: (d) => bmcPowerReader(d), jobRunner: (d) => new BootstrapRunner(d)
 */
export function defaultSubsystems(): Subsystems {
  return {};
}
