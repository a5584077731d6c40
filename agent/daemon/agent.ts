/**
 * The composition root: builds every part of the agent from the configuration and inventory and
 * passes collaborators in. Start order: state → discovery → metrics → [DHCP] → [boot] → BMC poller → jobs →
 * control API → watchdog; stop in reverse. A failed start stops what had started and reports the
 * service and the reason. stop() is idempotent. reload() (SIGHUP, POST /v1/reload) reloads the
 * configuration and inventory and reloads or restarts only the services whose inputs changed.
 */
import type { Env } from '../config/paths.js';
import { ErrorCodes, RackerError, isRackerError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { ControlServer, assertNoRunningAgent, controlSocketPath } from '../api/control-server.js';
import type { ReloadResult } from '../api/routes.js';
import { BmcPoller, type PollTarget } from '../bmc-poller/poller.js';
import { createMetrics } from '../metrics/metrics.js';
import { deadlinesMs } from '../../bootstrap/phases.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { EventLog } from '../state/event-log.js';
import { DiscoveredMacs } from '../state/discovered-macs.js';
import { StateStore } from '../state/state-store.js';
import { createControlBackend } from './control-backend.js';
import { HealthMonitor, Watchdog } from './health.js';
import { changedInputs, loadInputs, type AgentInputs } from './inputs.js';
import { JobManager } from './jobs.js';
import type { SdNotifier } from './sd-notify.js';
import { statusLine } from './status-line.js';
import type { AgentDeps, ServiceEntry, Subsystems } from './subsystems.js';

export interface AgentOptions {
  configFlag?: string;
  env: Env;
  log: Logger;
  notifier: SdNotifier;
  subsystems: Subsystems;
  version: string;
}

interface Running {
  entry: ServiceEntry;
  service: Service;
}

export class Agent {
  private inputs: AgentInputs | undefined;
  private deps: AgentDeps | undefined;
  private running: Running[] = [];
  private stopping: Promise<boolean> | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private readonly startedAt = new Date().toISOString();
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: AgentOptions) {}

  /** Start everything; false when `signal` aborted the start (what had started is stopped again). */
  async start(signal: AbortSignal): Promise<boolean> {
    const log = this.o.log;
    this.inputs = await loadInputs({ configFlag: this.o.configFlag, env: this.o.env, log });
    const { config } = this.inputs;
    log.level = config.agent.logLevel;
    await assertNoRunningAgent(controlSocketPath(config.paths.runDir));
    const events = new EventLog({ dir: config.paths.stateDir, maxBytes: config.agent.events.maxBytes, keep: config.agent.events.keep, log: log.child({ component: 'events' }) });
    const state = new StateStore({ stateDir: config.paths.stateDir, events, log: log.child({ component: 'state' }) });
    const metrics = createMetrics(state, {
      version: this.o.version,
      phaseDeadlines: () => Object.fromEntries(Object.entries(deadlinesMs(this.current().config.bootstrap.deadlines)).map(([phase, ms]) => [phase, ms / 1000])),
    });
    const deps: AgentDeps = { inputs: () => this.current(), state, events, metrics, log };
    this.deps = deps;
    const discovery = new DiscoveredMacs(events);
    const jobs = new JobManager(state, this.o.subsystems.jobRunner?.(deps), metrics, log.child({ component: 'jobs' }));
    const health = new HealthMonitor(() => this.running.map((r) => r.service));
    const backend = createControlBackend({
      store: state, events, discovery, jobs, health, reload: () => this.reload(),
      info: () => ({ version: this.o.version, pid: process.pid, startedAt: this.startedAt, configFile: this.current().config.source }),
    });
    const fixed = (name: string, service: Service): ServiceEntry => ({ name, dependsOn: { config: [], inventory: false }, create: () => service });
    const entries: ServiceEntry[] = [
      { name: 'state', dependsOn: { config: [], inventory: true }, create: () => state, reload: async () => this.syncState() },
      fixed('discovery', discovery),
      { name: 'metrics', dependsOn: { config: ['agent'], inventory: false }, create: (d) => new MetricsServer(metrics.registry, d.inputs().config.agent.metricsPort, log.child({ component: 'metrics' }), d.inputs().config.agent.metricsAddress) },
      ...(this.o.subsystems.services ?? []),
      ...this.pollerEntry(),
      fixed('jobs', jobs),
      fixed('control-api', new ControlServer(backend, { runDir: config.paths.runDir, socketGroup: config.agent.socketGroup }, log.child({ component: 'api' }))),
      fixed('watchdog', new Watchdog(this.o.notifier, health, log.child({ component: 'watchdog' }))),
    ];
    for (const entry of entries) {
      if (signal.aborted) break;
      const service = entry.create(deps);
      try {
        await service.start(signal);
      } catch (err) {
        await this.stopRunning();
        if (signal.aborted) return false;
        throw startFailure(entry.name, err);
      }
      this.running.push({ entry, service });
      if (service === state) this.syncState();
    }
    if (signal.aborted) {
      await this.stopRunning();
      return false;
    }
    state.event({ type: 'agent.started', level: 'info', message: `racker agent ${this.o.version} started (pid ${process.pid})` });
    this.o.notifier.ready(this.statusLine());
    state.onChange(() => this.scheduleStatus());
    log.info({ services: this.running.map((r) => r.entry.name), status: this.statusLine() }, 'racker agent ready');
    return true;
  }

  /** Stop every service in reverse order; true when all stopped cleanly. Safe to call many times. */
  stop(): Promise<boolean> {
    this.stopping ??= (async () => {
      clearTimeout(this.statusTimer);
      this.o.notifier.stopping('stopping');
      if (this.running.length > 0) this.deps?.state.event({ type: 'agent.stopping', level: 'info', message: 'racker agent stopping' });
      await this.reloading?.catch(() => undefined); /* its failure was reported to its caller */
      return this.stopRunning();
    })();
    return this.stopping;
  }

  /** Reload configuration and inventory; reload or restart only what they changed. Serialised. */
  async reload(): Promise<ReloadResult> {
    if (this.stopping !== undefined) throw new RackerError(ErrorCodes.conflict, 'the agent is stopping');
    while (this.reloading !== undefined) await this.reloading.catch(() => undefined);
    this.reloading = this.doReload().finally(() => { this.reloading = undefined; });
    return this.reloading;
  }

  private async doReload(): Promise<ReloadResult> {
    const log = this.o.log;
    const deps = this.deps as AgentDeps;
    this.o.notifier.reloading('reloading configuration and nodes.csv');
    const result: ReloadResult = { reloaded: [], unchanged: [], warnings: [] };
    try {
      const before = this.current();
      const loaded = await loadInputs({ configFlag: this.o.configFlag, env: this.o.env, log });
      let after = loaded;
      if (JSON.stringify(loaded.config.paths) !== JSON.stringify(before.config.paths)) {
        result.warnings.push('paths.* changed: that needs a restart of the agent (systemctl restart racker-agent); keeping the old paths until then');
        after = { ...loaded, config: { ...loaded.config, paths: before.config.paths } };
      }
      if (after.config.agent.socketGroup !== before.config.agent.socketGroup) result.warnings.push('agent.socketGroup changed: the control socket keeps its permissions until the agent restarts');
      this.inputs = after;
      log.level = after.config.agent.logLevel;
      const abort = new AbortController();
      for (const r of this.running) {
        if (!changedInputs(r.entry.dependsOn, before, after)) {
          result.unchanged.push(r.entry.name);
          continue;
        }
        if (r.entry.reload !== undefined) {
          await r.entry.reload(r.service, deps, abort.signal);
        } else {
          log.info({ service: r.entry.name }, 'restarting: its configuration changed');
          await r.service.stop();
          r.service = r.entry.create(deps);
          await r.service.start(abort.signal);
        }
        result.reloaded.push(r.entry.name);
      }
      for (const w of result.warnings) log.warn(w);
      deps.state.event({ type: 'agent.reloaded', level: 'info', message: `reloaded: ${result.reloaded.length === 0 ? 'nothing changed' : result.reloaded.join(', ')}`, data: { ...result } });
      return result;
    } catch (err) {
      log.error({ err }, 'reload failed; the agent keeps running with what it had');
      deps.state.event({ type: 'agent.reload-failed', level: 'error', message: `reload failed: ${(err as Error).message}` });
      throw err;
    } finally {
      this.o.notifier.ready(this.statusLine());
    }
  }

  private pollerEntry(): ServiceEntry[] {
    const factory = this.o.subsystems.powerReader;
    if (factory === undefined) {
      this.o.log.warn('no BMC driver in this build: power states are not polled');
      return [];
    }
    return [{
      name: 'bmc-poller',
      dependsOn: { config: ['agent', 'bmc'], inventory: true },
      create: (d) => {
        const { agent, bmc } = d.inputs().config;
        return new BmcPoller(factory(d), d.state, d.metrics, this.pollTargets(), {
          ...agent.bmcPoll, concurrency: bmc.fanout, pollTimeoutMs: bmc.timeoutMs * (bmc.retries + 1) * bmc.cipherSuites.length,
        }, d.log.child({ component: 'bmc-poller' }));
      },
    }];
  }

  private pollTargets(): PollTarget[] {
    return (this.deps?.state.nodes() ?? [])
      .filter((n) => n.inInventory && !n.isManagement && n.bmc.address !== undefined)
      .map((n) => ({ mac: n.mac, hostname: n.hostname, bmcMac: n.bmc.mac, bmcAddress: n.bmc.address as string }));
  }

  private syncState(): void {
    const { config, inventory } = this.current();
    (this.deps as AgentDeps).state.syncInventory(inventory.nodes, (bmcMac) => config.bmc.nodes[bmcMac]?.driver ?? config.bmc.driver);
  }

  private async stopRunning(): Promise<boolean> {
    let ok = true;
    for (const r of this.running.reverse()) {
      try {
        await r.service.stop();
      } catch (err) {
        ok = false;
        this.o.log.error({ err, service: r.entry.name }, `failed to stop ${r.entry.name}`);
      }
    }
    this.running = [];
    return ok;
  }

  private current(): AgentInputs {
    if (this.inputs === undefined) throw new Error('the agent has not loaded its inputs yet');
    return this.inputs;
  }

  private statusLine(): string {
    const state = this.deps?.state;
    return state === undefined ? 'starting' : statusLine(state.nodes(), state.jobs());
  }

  /** At most one STATUS= a second, however fast the state changes. */
  private scheduleStatus(): void {
    if (this.statusTimer !== undefined || this.stopping !== undefined) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.o.notifier.status(this.statusLine());
    }, 1000);
    this.statusTimer.unref();
  }
}

function startFailure(name: string, err: unknown): RackerError {
  if (isRackerError(err)) return new RackerError(err.code, `cannot start ${name}: ${err.message}`, { hint: err.hint, cause: err });
  return new RackerError(ErrorCodes.io, `cannot start ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
