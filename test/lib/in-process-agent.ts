/**
 * The agent as `racker agent` composes it (agent/daemon/compose.ts), in the test process, on
 * `<runDir>/agent.sock`: the real control API, state store, job manager and event log over the fake
 * rack's nodes.csv. Replaced: the network services and the BMC layer (no traffic leaves the test),
 * and the bootstrap by a scripted runner, for checking a client (the CLI as a process) against the
 * real request schemas, response shapes, question ids and cancel semantics.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { Agent } from '../../agent/daemon/agent.js';
import { SdNotifier } from '../../agent/daemon/sd-notify.js';
import type { JobManager } from '../../agent/daemon/jobs.js';
import type { StateStore } from '../../agent/state/state-store.js';
import { captureLog, type LogLine } from './capture-log.js';
import { FakeJobRunner, type FakeRunScript } from './fake-job-runner.js';
import { fakeBmcLayer } from './fake-bmc-layer.js';
import type { FakeRack } from './fake-rack.js';

export interface InProcessAgent {
  store: StateStore;
  /** What the agent logged at warn and above (the daemon's journal lines). */
  logs: LogLine[];
  runner: FakeJobRunner;
  jobs: JobManager;
  stop: () => Promise<void>;
}

/** `script`: what the runner does from the start (a job the agent resumes runs before the test could set it). */
export async function startInProcessAgent(rack: FakeRack, o: { script?: FakeRunScript } = {}): Promise<InProcessAgent> {
  // Once per rack: an agent started again (a restart) reads the same configuration.
  if (!(await readFile(rack.configPath, 'utf8')).includes('metricsPort: 0')) await appendFile(rack.configPath, 'agent:\n  metricsPort: 0\n');
  const { log, lines } = captureLog('warn');
  const runner = new FakeJobRunner();
  runner.script = o.script ?? {};
  const agent = new Agent({
    env: rack.env, log, notifier: new SdNotifier({ env: {}, log }), version: '0.0.0-test',
    overrides: {
      networkServices: () => [],
      bmc: () => fakeBmcLayer(),
      jobRunner: () => runner,
    },
  });
  await agent.start(new AbortController().signal);
  const composed = agent.composed();
  return { store: composed.deps.state, logs: lines, runner, jobs: composed.jobs, stop: async () => { await agent.stop(); } };
}
