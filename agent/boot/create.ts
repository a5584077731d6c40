/**
 * Building the boot service from the configuration, for the agent's composition root. Pure apart
 * from the objects it constructs (constructors do no I/O).
 */
import { bootDataDirs, type BootDataDirs } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import type { Emitter } from '../lib/emitter.js';
import type { Logger } from '../lib/log.js';
import type { BootEvent, PhoneHomeEvent } from './events.js';
import { BootService, type BootLimits } from './server.js';
import type { NodeTokens } from './phone-home.js';

export type BootPaths = BootDataDirs;

export function bootPaths(config: Config): BootPaths {
  return bootDataDirs(config.paths, config.boot);
}

/** The hostile-client limits of the configuration, as the boot service takes them. */
export function bootLimits(b: Config['boot']): BootLimits {
  return {
    maxConnections: b.maxConnections, maxConnectionsPerClient: b.maxConnectionsPerClient,
    maxBufferedBytes: b.maxBufferedBytes, idleTimeoutMs: b.idleTimeoutSeconds * 1000,
  };
}

export interface BootDeps {
  log: Logger;
  events: Emitter<BootEvent>;
  /** Reservations (from the address plan): MAC → reserved IPv4. */
  reserved: ReadonlyMap<string, string>;
  /** Where to listen when boot.listenAddress is not set (the management node's internal address). */
  defaultHost: string;
  /** Phone-home tokens shared with whoever issues them (they outlive a restart of the service). */
  tokens?: NodeTokens;
  /** Keeps an accepted phone-home report before the node is answered (BootServiceOptions.keepReport). */
  keepReport?: (e: PhoneHomeEvent) => Promise<void>;
}

export function createBootService(config: Config, deps: BootDeps): BootService {
  const b = config.boot;
  return new BootService({
    ...bootPaths(config),
    host: b.listenAddress ?? deps.defaultHost,
    port: b.port,
    log: deps.log,
    events: deps.events,
    access: { reserved: b.restrictIgnitionToNode ? [...deps.reserved] : undefined },
    maxHeaderSize: b.maxHeaderSize,
    accessLog: b.accessLog,
    reloadDebounceMs: b.reloadDebounceMs,
    tokens: deps.tokens,
    ...(deps.keepReport === undefined ? {} : { keepReport: deps.keepReport }),
    workers: b.workers,
    limits: bootLimits(b),
  });
}
