import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { StateStore } from '../../../agent/state/state-store.js';
import { EventLog } from '../../../agent/state/event-log.js';
import { readStateFile } from '../../../agent/state/state-file.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { WRITER_NODES } from '../../lib/state-writer.js';

const writer = fileURLToPath(new URL('../../lib/state-writer.js', import.meta.url));

/** Start the writer, wait until it is busy, SIGKILL it after a random delay. */
async function runAndKill(stateDir: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [writer, stateDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`state writer exited early (${code})`)));
      createInterface({ input: child.stdout }).once('line', () => resolve());
    });
    await new Promise((r) => setTimeout(r, delayMs));
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

describe('state: kill -9 at random moments', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  afterEach(async () => { await removeTempDir(dir); dir = undefined; });

  it('leaves state readable, consistent across records, and writable again', async () => {
    dir = await makeTempDir();
    let lastSeq = 0;
    for (let round = 0; round < 6; round++) {
      await runAndKill(dir, 20 + Math.floor(Math.random() * 400));

      // The document parses and validates (readStateFile checks every field) ...
      const doc = await readStateFile(dir);
      expect(doc, `round ${round}: state.json exists`).to.not.equal(undefined);
      const nodes = Object.values(doc?.nodes ?? {});
      expect(nodes).to.have.length(WRITER_NODES);
      // ... and the cross-record invariant the writer keeps holds in whatever snapshot survived.
      const job = doc?.jobs['job-1'];
      if (job !== undefined) {
        expect(job.progress.ready, `round ${round}`).to.equal(nodes.filter((n) => n.phase.name === 'provisioned').length);
        expect(job.progress.failed, `round ${round}`).to.equal(nodes.filter((n) => n.phase.name === 'failed').length);
      }

      // The event log: a store reopening it cuts any torn line; every line then parses, and the
      // sequence numbers increase strictly across the rotated files and never go backwards.
      const log = silentLogger();
      const events = new EventLog({ dir, maxBytes: 16 * 1024, keep: 2, log });
      const store = new StateStore({ stateDir: dir, events, log });
      await store.start(new AbortController().signal);
      for (const name of (await readdir(dir)).filter((n) => n.endsWith('.ndjson'))) {
        const text = await readFile(join(dir, name), 'utf8');
        expect(text === '' || text.endsWith('\n'), `${name} ends with a complete line`).to.equal(true);
        for (const line of text.split('\n').filter((l) => l !== '')) expect(() => JSON.parse(line) as unknown, `${name}: ${line}`).not.to.throw();
      }
      const all = await events.read();
      const seqs = all.map((e) => e.seq);
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).to.equal(seqs.length);
      expect(events.lastSeq).to.be.at.least(lastSeq);
      lastSeq = events.lastSeq;

      // And it can be written again: the next event follows the last one, and the change persists.
      const mac = nodes[0]?.mac as string;
      store.setPhase(mac, 'management');
      const j = store.job('job-1');
      const now = store.nodes();
      if (j !== undefined) store.putJob({ ...j, progress: { ...j.progress, ready: now.filter((n) => n.phase.name === 'provisioned').length, failed: now.filter((n) => n.phase.name === 'failed').length } });
      await store.stop();
      expect((await readStateFile(dir))?.nodes[mac]?.phase.name).to.equal('management');
      expect((await new EventLog({ dir, maxBytes: 16 * 1024, keep: 2, log }).read({ since: lastSeq })).map((e) => e.type)[0]).to.equal('node.phase');
      expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
    }
  });
});
