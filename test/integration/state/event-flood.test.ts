import { expect } from 'chai';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EventLog } from '../../../agent/state/event-log.js';
import { StateStore } from '../../../agent/state/state-store.js';
import { RackBus, recordRackEvents } from '../../../agent/daemon/wiring/rack-bus.js';
import { createMetrics } from '../../../agent/metrics/metrics.js';
import type { JobRecord } from '../../../agent/state/records.js';
import { captureLog } from '../../lib/capture-log.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const FLOOD = 100_000;

/** Every event file's size, and the longest line in any of them. */
async function files(dir: string): Promise<{ sizes: Record<string, number>; longestLine: number }> {
  const sizes: Record<string, number> = {};
  let longestLine = 0;
  for (const name of (await readdir(dir)).filter((n) => /^events(\.\d+)?\.ndjson$/.test(n))) {
    sizes[name] = (await stat(join(dir, name))).size;
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) longestLine = Math.max(longestLine, Buffer.byteLength(line) + 1);
  }
  return { sizes, longestLine };
}

describe('state: the event log\'s bound holds under a flood', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  it(`${FLOOD} events appended in one turn: no file is larger than the bound and one line`, async () => {
    const maxBytes = 64 * 1024;
    const log = new EventLog({ dir: dir as string, maxBytes, keep: 3, log: captureLog().log });
    await log.open();
    for (let i = 0; i < FLOOD; i++) log.append({ type: 'boot.ipxe', level: 'info', message: `10.0.0.${i % 250} GET /ipxe → 200 (${i})` });
    await log.close();
    const { sizes, longestLine } = await files(dir as string);
    expect(Object.keys(sizes)).to.have.length(4);
    for (const [name, size] of Object.entries(sizes)) expect(size, name).to.be.at.most(maxBytes + longestLine);
  });

  it(`${FLOOD} boot requests during a job: every file within the bound, the job's events still readable, the flood counted`, async () => {
    const maxBytes = 64 * 1024;
    const log = captureLog().log;
    const events = new EventLog({ dir: dir as string, maxBytes, keep: 2, log });
    const store = new StateStore({ stateDir: dir as string, events, log });
    await store.start(new AbortController().signal);
    const bus = new RackBus(log);
    const off = recordRackEvents(bus, store, createMetrics(store, { processMetrics: false }), () => undefined);
    const job: JobRecord = { id: 'j1', kind: 'bootstrap', state: 'running', createdAt: new Date().toISOString(), request: {}, progress: { total: 1, ready: 0, failed: 0, excluded: 0 } };
    store.putJob(job, { type: 'job.created', level: 'info', message: 'job j1 created' });
    for (let i = 0; i < FLOOD; i++) {
      bus.boot.emit({ type: 'request', at: new Date(), endpoint: 'ipxe', method: 'GET', mac: undefined, clientIp: `10.0.${(i >> 8) & 255}.${i & 255}`, status: 404, os: undefined, group: undefined, profile: undefined, bytes: 0, aborted: false });
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    store.putJob({ ...job, state: 'succeeded' }, { type: 'job.state', level: 'info', message: 'job j1 succeeded' });
    off();
    await store.stop();

    const { sizes, longestLine } = await files(dir as string);
    for (const [name, size] of Object.entries(sizes)) expect(size, name).to.be.at.most(maxBytes + longestLine);
    const reader = new EventLog({ dir: dir as string, maxBytes, keep: 2, log });
    expect((await reader.read({ job: 'j1' })).map((e) => e.type)).to.deep.equal(['job.created', 'job.state']);
    const all = await reader.read();
    const logged = all.filter((e) => e.type === 'boot.ipxe').length;
    const counted = all.filter((e) => e.type === 'events.sampled').reduce((n, e) => n + ((e.data?.counts as Record<string, number>)['boot.ipxe'] ?? 0), 0);
    expect(logged + counted).to.equal(FLOOD);
  });
});
