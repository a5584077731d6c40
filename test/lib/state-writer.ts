/**
 * A child process that changes agent state as fast as it can, for the kill -9 test. Every change
 * keeps one cross-record invariant that any consistent snapshot satisfies: the job's
 * progress.ready equals the number of nodes in phase `provisioned`, and progress.failed the
 * number in `failed`. Usage: node state-writer.js STATE_DIR
 */
import { StateStore } from '../../agent/state/state-store.js';
import { EventLog } from '../../agent/state/event-log.js';
import type { JobRecord } from '../../agent/state/records.js';
import { NODE_PHASES } from '../../agent/state/phases.js';
import { silentLogger } from '../../agent/lib/log.js';
import { pathToFileURL } from 'node:url';

export const WRITER_NODES = 8;

async function main(stateDir: string): Promise<void> {
  const log = silentLogger();
  const events = new EventLog({ dir: stateDir, maxBytes: 16 * 1024, keep: 2, log });
  const store = new StateStore({ stateDir, events, log });
  await store.start(new AbortController().signal);
  const nodes = Array.from({ length: WRITER_NODES }, (_, i) => ({
    primaryMac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`, bmcMac: `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`,
    secondaryMac: `02:00:00:00:02:${i.toString(16).padStart(2, '0')}`, nodeType: 'worker', row: i + 1, hostname: `node-${i + 1}`,
    address: `10.0.0.${i + 2}`, bmcAddress: `10.0.1.${i + 2}`, isManagement: false,
  }));
  store.syncInventory(nodes, () => 'ipmi');
  const job: JobRecord = store.job('job-1') ?? { id: 'job-1', kind: 'bootstrap', state: 'running', createdAt: new Date().toISOString(), request: {}, progress: { total: WRITER_NODES, ready: 0, failed: 0, excluded: 0 } };
  await store.persisted();
  process.stdout.write('running\n');
  const phases = NODE_PHASES.filter((p) => p !== 'management');
  for (let i = 0; ; i++) {
    const node = nodes[i % WRITER_NODES];
    if (node === undefined) continue;
    store.setPhase(node.primaryMac, phases[Math.floor(Math.random() * phases.length)] ?? 'new', { job: job.id });
    if (i % 3 === 0) store.setPower(node.primaryMac, i % 2 === 0 ? 'on' : 'off');
    const all = store.nodes();
    store.putJob({ ...job, progress: { ...job.progress, ready: all.filter((n) => n.phase.name === 'provisioned').length, failed: all.filter((n) => n.phase.name === 'failed').length } });
    if (i % 4 === 0) await store.persisted();
    else await new Promise((r) => setImmediate(r));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2] ?? '').catch((e: unknown) => {
    process.stderr.write(`state-writer: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
