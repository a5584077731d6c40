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
import { RackBus, recordRackEvents } from './wiring/rack-bus.js';
import { AgentBmc } from './wiring/bmc-control.js';
import { TokenStore } from './wiring/token-store.js';
import { BootstrapRunner } from './wiring/bootstrap-runner.js';
import { bootEntry, dhcpEntry, pxeAddressEntry } from './wiring/network-services.js';
import { retireEntry } from './wiring/retire-nodes.js';

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
 * The subsystems of the shipped agent: the PXE interface's addresses, dnsmasq and the boot service
 * (in that order), the BMC layer for the power poller and the bootstrap, and the bootstrap runner.
 * The rack bus and the BMC pool are shared by all of them and outlive service restarts.
 */
export function defaultSubsystems(): Subsystems {
  let shared: { bus: RackBus; bmc: AgentBmc; tokens: TokenStore } | undefined;
  const parts = (deps: AgentDeps): NonNullable<typeof shared> => {
    if (shared === undefined) {
      const bus = new RackBus(deps.log);
      recordRackEvents(bus, deps.state, deps.metrics, (ip) => deps.inputs().inventory.workers.find((w) => w.address === ip)?.primaryMac);
      shared = { bus, bmc: new AgentBmc(() => deps.inputs(), deps.log.child({ component: 'bmc' })), tokens: new TokenStore(deps.inputs().config.paths.stateDir, bus.tokens) };
    }
    return shared;
  };
  return {
    services: [
      pxeAddressEntry(),
      dhcpEntry((deps) => parts(deps).bus),
      bootEntry((deps) => parts(deps).bus, (deps) => parts(deps).tokens),
      retireEntry((deps) => parts(deps).tokens),
      // Owns the BMC pool's socket and sessions, closed when the agent stops.
      { name: 'bmc', dependsOn: { config: [], inventory: false }, create: (deps) => ({ name: 'bmc', start: async () => undefined, stop: () => parts(deps).bmc.close() }) },
    ],
    powerReader: (deps) => parts(deps).bmc,
    jobRunner: (deps) => new BootstrapRunner({ deps, bus: parts(deps).bus, tokens: parts(deps).tokens, control: parts(deps).bmc }),
  };
}
