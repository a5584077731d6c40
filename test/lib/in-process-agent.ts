/**
 * The agent's real control API (ControlServer, control backend, StateStore, JobManager) in the
 * test process, on `<runDir>/agent.sock`, with a FakeJobRunner in place of the bootstrap: for
 * checking a client (the CLI as a process) against the real request schemas, response shapes,
 * question ids and cancel semantics, without BMCs or a network.
 */
import { ControlServer } from '../../agent/api/control-server.js';
import { createControlBackend } from '../../agent/daemon/control-backend.js';
import { HealthMonitor } from '../../agent/daemon/health.js';
import { JobManager } from '../../agent/daemon/jobs.js';
import { EventLog } from '../../agent/state/event-log.js';
import { DiscoveredMacs } from '../../agent/state/discovered-macs.js';
import { StateStore } from '../../agent/state/state-store.js';
import { createMetrics } from '../../agent/metrics/metrics.js';
import { silentLogger } from '../../agent/lib/log.js';
import { FakeJobRunner } from './fake-job-runner.js';

export interface InProcessAgent {
  store: StateStore;
  runner: FakeJobRunner;
  jobs: JobManager;
  stop: () => Promise<void>;
}

/** Nodes as the fake rack (test/lib/fake-rack.ts DEFAULT_ROWS) has them. */
const NODES = [
  ['00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:30', 'mgmt'],
  ['00:11:22:33:44:10', '00:11:22:33:44:11', '00:11:22:33:44:40', 'red'],
  ['00:11:22:33:44:20', '00:11:22:33:44:21', '00:11:22:33:44:50', 'purple'],
  ['00:11:22:33:44:60', '00:11:22:33:44:61', '00:11:22:33:44:70', 'purple'],
].map(([primaryMac, bmcMac, secondaryMac, nodeType], i) => ({
  primaryMac: primaryMac ?? '', bmcMac: bmcMac ?? '', secondaryMac: secondaryMac ?? '', nodeType: nodeType ?? '', row: i + 1,
  hostname: `node-0${i + 1}`, address: undefined, bmcAddress: undefined, isManagement: i === 0,
}));

export async function startInProcessAgent(stateDir: string, runDir: string): Promise<InProcessAgent> {
  const log = silentLogger();
  const events = new EventLog({ dir: stateDir, maxBytes: 1 << 20, keep: 1, log });
  const store = new StateStore({ stateDir, events, log });
  await store.start(new AbortController().signal);
  store.syncInventory(NODES, () => 'ipmi');
  const discovery = new DiscoveredMacs(events);
  await discovery.start(new AbortController().signal);
  const runner = new FakeJobRunner();
  const jobs = new JobManager(store, runner, createMetrics(store, { processMetrics: false }), log);
  await jobs.start(new AbortController().signal);
  const backend = createControlBackend({
    store, events, discovery, jobs, health: new HealthMonitor(() => [store]),
    info: () => ({ version: '0.0.0-test', pid: process.pid, startedAt: new Date().toISOString(), configFile: undefined }),
    reload: async () => ({ reloaded: [], unchanged: ['state'], warnings: [] }),
  });
  const server = new ControlServer(backend, { runDir, socketGroup: undefined, lookupGroup: async () => undefined }, log);
  await server.start(new AbortController().signal);
  return { store, runner, jobs, stop: async () => { await server.stop(); await jobs.stop(); await discovery.stop(); await store.stop(); } };
}

