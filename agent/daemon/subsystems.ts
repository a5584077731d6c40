/**
 * The shapes the composition root (compose.ts) builds services from: what a subsystem gets to build
 * itself from, and a service entry (how it is created, what inputs it depends on, how it reloads).
 */
import type { AgentMetrics } from '../metrics/metrics.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import type { EventLog } from '../state/event-log.js';
import type { StateStore } from '../state/state-store.js';
import type { AgentInputs, DependsOn } from './inputs.js';

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
