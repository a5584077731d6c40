/**
 * `racker agent` as a process: signals and exit codes, nothing else. SIGTERM and SIGINT stop
 * gracefully (a second one while stopping is ignored, with a log line); SIGHUP reloads. Exit 0 after
 * a requested stop, 1 when the agent cannot start or does not stop cleanly.
 */
import type { Env } from '../config/paths.js';
import { ErrorCodes, RackerError, errorMessage } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/log.js';
import { Agent } from './agent.js';
import { SdNotifier } from './sd-notify.js';

export interface DaemonOptions {
  configFlag?: string;
  env: Env;
  version: string;
  log?: Logger;
  /** Longest a stop may take before we exit anyway (the configuration may say otherwise once loaded). */
  stopTimeoutMs?: number;
}

export async function runDaemon(o: DaemonOptions): Promise<number> {
  const log = o.log ?? createLogger({ mode: 'daemon' });
  const notifier = new SdNotifier({ env: o.env, log });
  const agent = new Agent({ configFlag: o.configFlag, env: o.env, log, notifier, version: o.version });
  const startAbort = new AbortController();
  let requestStop: (signal: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => { requestStop = resolve; });
  let stopSignal: string | undefined;

  const onStop = (signal: NodeJS.Signals): void => {
    if (stopSignal !== undefined) {
      log.warn({ signal }, `already stopping (after ${stopSignal}); waiting for services to stop`);
      return;
    }
    stopSignal = signal;
    log.info({ signal }, 'stopping');
    startAbort.abort(new Error(`received ${signal}`));
    requestStop(signal);
  };
  const onReload = (): void => {
    log.info('SIGHUP: reloading configuration and nodes.csv');
    agent.reload().then(
      (r) => log.info({ ...r }, 'reload done'),
      () => undefined, /* logged by the agent, which keeps running */
    );
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onReload);
  try {
    let started: boolean;
    try {
      started = await agent.start(startAbort.signal);
    } catch (err) {
      log.fatal({ err }, 'racker agent cannot start');
      notifier.stopping(`cannot start: ${errorMessage(err).split('\n')[0] ?? ''}`);
      throw err;
    }
    if (started) await stopRequested;
    const clean = await withDeadline(agent.stop(), o.stopTimeoutMs ?? 20_000);
    if (clean === undefined) throw new RackerError(ErrorCodes.io, `the agent did not stop within ${o.stopTimeoutMs ?? 20_000} ms`, { hint: 'the log says which service was still stopping' });
    log.info({ clean }, 'racker agent stopped');
    return clean ? 0 : 1;
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onReload);
    log.flush();
  }
}

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms); });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
