import { expect } from 'chai';
import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import { EventLog } from '../../../agent/state/event-log.js';
import { StateStore } from '../../../agent/state/state-store.js';
import { stateFilePath } from '../../../agent/state/state-file.js';
import { TokenStore } from '../../../agent/daemon/wiring/token-store.js';
import { JobStateSink, jobStatePath } from '../../../agent/daemon/wiring/job-state-sink.js';
import { NodeTokens } from '../../../agent/boot/phone-home.js';
import { ErrorCodes, isRackerError } from '../../../agent/lib/errors.js';
import type { Mac } from '../../../agent/lib/mac.js';
import type { JobState } from '../../../bootstrap/job-state.js';
import type { JobRecord } from '../../../agent/state/records.js';
import { captureLog } from '../../lib/capture-log.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

/**
 * A write that fails on a real disk: a directory where the file goes, so the atomic rename fails
 * (as root too, unlike a permission); removing it gives a healthy disk again.
 */
async function blockFile(path: string): Promise<() => Promise<void>> {
  await mkdir(path, { recursive: true });
  return () => rmdir(path);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('expected the write to fail'); }, (e: unknown) => e);
}

const REQ = { job: 'j1', address: '172.24.213.2' };

const job = (id: string): JobRecord => ({
  id, kind: 'bootstrap', state: 'running', createdAt: '2030-01-01T00:00:00.000Z', request: {},
  progress: { total: 1, ready: 0, failed: 0, excluded: 0 },
});

describe('state: one failed write, then a healthy disk: the next write succeeds', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let store: StateStore | undefined;
  beforeEach(async () => {
    dir = await makeTempDir();
    const log = captureLog().log;
    store = new StateStore({ stateDir: dir, events: new EventLog({ dir, maxBytes: 1 << 20, keep: 1, log }), log });
    await store.start(new AbortController().signal);
  });
  afterEach(async () => {
    await store?.stop().catch(() => undefined);
    await removeTempDir(dir);
  });

  it('state.json: persisted() reports the failed write as failed, and the next one writes every change', async () => {
    const s = store as StateStore;
    const unblock = await blockFile(stateFilePath(dir as string));
    s.putJob(job('j1'));
    const err = await rejection(s.persisted());
    expect(isRackerError(err) && err.code).to.equal(ErrorCodes.io);
    await unblock();
    s.putJob(job('j2'));
    await s.persisted();
    const saved = JSON.parse(await readFile(stateFilePath(dir as string), 'utf8')) as { jobs: Record<string, unknown> };
    expect(Object.keys(saved.jobs).sort()).to.deep.equal(['j1', 'j2']);
  });

  it('state.json: a change whose write failed is written by the next persisted() even with no new change', async () => {
    const s = store as StateStore;
    const unblock = await blockFile(stateFilePath(dir as string));
    s.putJob(job('j1'));
    await rejection(s.persisted());
    await unblock();
    await s.persisted();
    expect(JSON.parse(await readFile(stateFilePath(dir as string), 'utf8'))).to.have.nested.property('jobs.j1');
  });

  it('phone-home tokens: the token whose write failed, and later ones, are written once the disk is healthy', async () => {
    const tokens = new TokenStore(dir as string, new NodeTokens());
    await tokens.load(); // as the agent does at start; the write is what fails
    const unblock = await blockFile(tokens.path);
    await rejection(tokens.tokenFor('00:11:22:33:44:10' as Mac, REQ));
    await unblock();
    const b = await tokens.tokenFor('00:11:22:33:44:20' as Mac, REQ);
    const a = await tokens.tokenFor('00:11:22:33:44:10' as Mac, REQ);
    const saved = JSON.parse(await readFile(tokens.path, 'utf8')) as Record<string, { token: string }>;
    expect(Object.fromEntries(Object.entries(saved).map(([mac, t]) => [mac, t.token]))).to.deep.equal({ '00:11:22:33:44:10': a, '00:11:22:33:44:20': b });
    expect((await stat(tokens.path)).mode & 0o777).to.equal(0o600);
  });

  it('phone-home tokens: asking again for the token whose write failed writes it', async () => {
    const tokens = new TokenStore(dir as string, new NodeTokens());
    await tokens.load(); // as the agent does at start; the write is what fails
    const unblock = await blockFile(tokens.path);
    await rejection(tokens.tokenFor('00:11:22:33:44:10' as Mac, REQ));
    await unblock();
    const a = await tokens.tokenFor('00:11:22:33:44:10' as Mac, REQ);
    expect((JSON.parse(await readFile(tokens.path, 'utf8')) as Record<string, { token: string }>)['00:11:22:33:44:10']?.token).to.equal(a);
  });

  it('job state sink: the save after a failed one writes the job state', async () => {
    const sink = new JobStateSink(dir as string, store as StateStore, { progress: () => undefined, signal: new AbortController().signal });
    const state: JobState = { id: 'j1', startedAt: 1, status: 'running', nodes: {} };
    const unblock = await blockFile(jobStatePath(dir as string, 'j1'));
    await rejection(sink.save(state));
    await unblock();
    await sink.save({ ...state, status: 'succeeded' });
    expect(JSON.parse(await readFile(jobStatePath(dir as string, 'j1'), 'utf8'))).to.include({ status: 'succeeded' });
  });
});
