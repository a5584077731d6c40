/**
 * The composition root: the one place where every part of the agent is built and given its
 * collaborators. `racker agent` runs what this builds (agent.ts starts, reloads and stops it), and
 * the integration tests build their agent here too, replacing only what `Overrides` names: the
 * hardware (the BMC layer) and the external daemons and host network (PXE address, dnsmasq, and
 * the boot service's listener). Everything is built eagerly, once per agent start; only the
 * services a reload concerns are re-created from their entries.
 *
 * Start order: state → discovery → metrics → pxe-address → dhcp → boot → retire-nodes → bmc → bmc-poller → jobs →
 * control-api → watchdog.
 */
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { ControlServer } from '../api/control-server.js';
import type { ReloadResult } from '../api/routes.js';
import { BmcPoller, type PollTarget, type PowerReader } from '../bmc-poller/poller.js';
import { createMetrics } from '../metrics/metrics.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { EventLog } from '../state/event-log.js';
import { DiscoveredMacs } from '../state/discovered-macs.js';
import { StateStore } from '../state/state-store.js';
import type { BootControl } from '../../bootstrap/ports.js';
import { deadlinesMs } from '../../bootstrap/phases.js';
import { createControlBackend } from './control-backend.js';
import { HealthMonitor, Watchdog } from './health.js';
import type { AgentInputs } from './inputs.js';
import { JobManager, type JobRunner } from './jobs.js';
import type { SdNotifier } from './sd-notify.js';
import type { AgentDeps, ServiceEntry } from './subsystems.js';
import { RackBus, recordRackEvents } from './wiring/rack-bus.js';
import { AgentBmc } from './wiring/bmc-control.js';
import { TokenStore } from './wiring/token-store.js';
import { BootstrapRunner } from './wiring/bootstrap-runner.js';
import { bootEntry, dhcpEntry, pxeAddressEntry } from './wiring/network-services.js';
import { retireEntry } from './wiring/retire-nodes.js';

/** The BMC layer: power and boot device for the bootstrap, power reads for the poller. */
export interface BmcLayer {
  control: BootControl;
  power: PowerReader;
  /** Close sessions and sockets (the agent is stopping). */
  close(): Promise<void>;
}

/** What the parts that face the rack network share: they outlive service restarts. */
export interface NetworkParts {
  bus: RackBus;
  tokens: TokenStore;
}

/** What a test may replace: hardware and external daemons only. */
export interface Overrides {
  /** Hardware: the BMC layer (default: the IPMI/Redfish pool, agent/bmc). */
  bmc?: (deps: AgentDeps) => BmcLayer;
  /**
   * External daemons and the host's network: the services facing the rack-internal network
   * (default: PXE interface address, dnsmasq, boot service), given the bus they report to.
   */
  networkServices?: (parts: NetworkParts) => readonly ServiceEntry[];
  /** A scripted job runner, for tests of the control API's clients (the CLI) only. */
  jobRunner?: (deps: AgentDeps) => JobRunner;
}

export interface ComposeInputs {
  /** The current inputs (replaced on reload). */
  inputs: () => AgentInputs;
  log: Logger;
  notifier: SdNotifier;
  version: string;
  /** The services running now, for the health report. */
  running: () => readonly Service[];
  reload: () => Promise<ReloadResult>;
}

export interface Composition {
  deps: AgentDeps;
  network: NetworkParts;
  bmc: BmcLayer;
  jobs: JobManager;
  /** In start order. */
  entries: ServiceEntry[];
  /** Bring the node records in line with the current inventory (after the state loads, on reload). */
  syncState(): void;
}

export function compose(c: ComposeInputs, overrides: Overrides = {}): Composition {
  const { log } = c;
  const { config } = c.inputs();
  const events = new EventLog({ dir: config.paths.stateDir, maxBytes: config.agent.events.maxBytes, keep: config.agent.events.keep, log: log.child({ component: 'events' }) });
  const state = new StateStore({ stateDir: config.paths.stateDir, events, log: log.child({ component: 'state' }) });
  const metrics = createMetrics(state, {
    version: c.version,
    phaseDeadlines: () => Object.fromEntries(Object.entries(deadlinesMs(c.inputs().config.bootstrap.deadlines)).map(([phase, ms]) => [phase, ms / 1000])),
  });
  const deps: AgentDeps = { inputs: c.inputs, state, events, metrics, log };
  const macByAddress = (ip: string): string | undefined => c.inputs().inventory.workers.find((w) => w.address === ip)?.primaryMac;

  const bus = new RackBus(log);
  recordRackEvents(bus, state, metrics, macByAddress, config.agent.events.networkPerSecond);
  const tokens = new TokenStore(config.paths.stateDir, bus.tokens);
  const network: NetworkParts = { bus, tokens };
  const bmc = overrides.bmc?.(deps) ?? agentBmc(deps);
  const runner = overrides.jobRunner?.(deps) ?? new BootstrapRunner({ deps, bus, tokens, control: bmc.control });

  const discovery = new DiscoveredMacs(events);
  const jobs = new JobManager(state, runner, metrics, log.child({ component: 'jobs' }));
  const health = new HealthMonitor(c.running);
  const startedAt = new Date().toISOString();
  const backend = createControlBackend({
    store: state, events, discovery, jobs, health, reload: c.reload,
    info: () => ({ version: c.version, pid: process.pid, startedAt, configFile: c.inputs().config.source }),
  });
  const syncState = (): void => {
    const { config: cfg, inventory } = c.inputs();
    state.syncInventory(inventory.nodes, (bmcMac) => cfg.bmc.nodes[bmcMac]?.driver ?? cfg.bmc.driver);
  };
  const pollTargets = (): PollTarget[] => state.nodes()
    .filter((n) => n.inInventory && !n.isManagement && n.bmc.address !== undefined)
    .map((n) => ({ mac: n.mac, hostname: n.hostname, bmcMac: n.bmc.mac, bmcAddress: n.bmc.address as string }));

  const fixed = (name: string, service: Service): ServiceEntry => ({ name, dependsOn: { config: [], inventory: false }, create: () => service });
  const entries: ServiceEntry[] = [
    { name: 'state', dependsOn: { config: [], inventory: true }, create: () => state, reload: async () => syncState() },
    fixed('discovery', discovery),
    { name: 'metrics', dependsOn: { config: ['agent'], inventory: false }, create: (d) => new MetricsServer(metrics.registry, d.inputs().config.agent.metricsPort, log.child({ component: 'metrics' }), d.inputs().config.agent.metricsAddress) },
    ...(overrides.networkServices?.(network) ?? [pxeAddressEntry(), dhcpEntry(() => bus), bootEntry(() => bus, () => tokens)]),
    // Retires what a server that left nodes.csv had (record, token, boot data): product logic, never replaced.
    retireEntry(() => tokens),
    // Owns the BMC layer's socket and sessions, closed when the agent stops.
    fixed('bmc', { name: 'bmc', start: async () => undefined, stop: () => bmc.close() }),
    {
      name: 'bmc-poller',
      dependsOn: { config: ['agent', 'bmc'], inventory: true },
      create: (d) => {
        const { agent, bmc: b } = d.inputs().config;
        return new BmcPoller(bmc.power, d.state, d.metrics, pollTargets(), {
          ...agent.bmcPoll, concurrency: b.fanout, pollTimeoutMs: b.timeoutMs * (b.retries + 1) * b.cipherSuites.length,
        }, d.log.child({ component: 'bmc-poller' }));
      },
    },
    fixed('jobs', jobs),
    fixed('control-api', new ControlServer(backend, { runDir: config.paths.runDir, socketGroup: config.agent.socketGroup, controlGroup: config.agent.controlGroup }, log.child({ component: 'api' }))),
    fixed('watchdog', new Watchdog(c.notifier, health, log.child({ component: 'watchdog' }))),
  ];
  return { deps, network, bmc, jobs, entries, syncState };
}

function agentBmc(deps: AgentDeps): BmcLayer {
  const bmc = new AgentBmc(() => deps.inputs(), deps.log.child({ component: 'bmc' }));
  return { control: bmc, power: bmc, close: () => bmc.close() };
}
