/**
 * The agent's lifecycle over what compose.ts builds: load the configuration and inventory, compose,
 * start every service in order (state → discovery → metrics → network services → bmc → BMC poller →
 * jobs → control API → watchdog), stop in reverse. A failed start stops what had started and
 * reports the service and the reason. stop() is idempotent. reload() (SIGHUP, POST /v1/reload)
 * reloads the configuration and inventory and reloads or restarts only the services whose inputs
 * changed.
 */
import type { Env } from '../config/paths.js';
import { ErrorCodes, RackerError, isRackerError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { assertNoRunningAgent, controlSocketPath } from '../api/control-server.js';
import type { ReloadResult } from '../api/routes.js';
import { changedInputs, loadInputs, type AgentInputs } from './inputs.js';
import type { SdNotifier } from './sd-notify.js';
import { statusLine } from './status-line.js';
import type { AgentDeps, ServiceEntry } from './subsystems.js';
import { compose, type Composition, type Overrides } from './compose.js';

export interface AgentOptions {
  configFlag?: string;
  env: Env;
  log: Logger;
  notifier: SdNotifier;
  version: string;
  /** Tests only: hardware and external daemons (compose.ts Overrides). */
  overrides?: Overrides;
}

interface Running {
  entry: ServiceEntry;
  service: Service;
}

export class Agent {
  private inputs: AgentInputs | undefined;
  private deps: AgentDeps | undefined;
  private composition: Composition | undefined;
  private running: Running[] = [];
  private stopping: Promise<boolean> | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private statusTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: AgentOptions) {}

  /** Start everything; false when `signal` aborted the start (what had started is stopped again). */
  async start(signal: AbortSignal): Promise<boolean> {
    const log = this.o.log;
    this.inputs = await loadInputs({ configFlag: this.o.configFlag, env: this.o.env, log });
    const { config } = this.inputs;
    log.level = config.agent.logLevel;
    await assertNoRunningAgent(controlSocketPath(config.paths.runDir));
    const parts = compose({
      inputs: () => this.current(), log, notifier: this.o.notifier, version: this.o.version,
      running: () => this.running.map((r) => r.service), reload: () => this.reload(),
    }, this.o.overrides);
    this.composition = parts;
    this.deps = parts.deps;
    const state = parts.deps.state;
    const entries = parts.entries;
    for (const entry of entries) {
      if (signal.aborted) break;
      const service = entry.create(parts.deps);
      try {
        await service.start(signal);
      } catch (err) {
        await this.stopRunning();
        if (signal.aborted) return false;
        throw startFailure(entry.name, err);
      }
      this.running.push({ entry, service });
      if (service === state) parts.syncState();
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

  /** What compose.ts built for this start (tests look at the state and jobs through it). */
  composed(): Composition {
    if (this.composition === undefined) throw new Error('the agent has not started');
    return this.composition;
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
      if (after.config.agent.socketGroup !== before.config.agent.socketGroup || after.config.agent.controlGroup !== before.config.agent.controlGroup) result.warnings.push('agent.socketGroup or agent.controlGroup changed: the sockets keep their permissions until the agent restarts');
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
      deps.state.event({ type: 'agent.reload-failed', level: 'error', message: `reload failed: ${errorMessage(err)}` });
      throw err;
    } finally {
      this.o.notifier.ready(this.statusLine());
    }
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
