import { expect } from 'chai';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventLog } from '../../../agent/state/event-log.js';
import { captureLog } from '../../lib/capture-log.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('state/event-log', () => {
  let dir: string | undefined;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  const mk = (maxBytes = 1 << 20, keep = 2): EventLog => new EventLog({ dir: dir as string, maxBytes, keep, log: captureLog().log });

  it('appends NDJSON with growing sequence numbers, filters by since, node and limit, and tells subscribers', async () => {
    const log = mk();
    await log.open();
    const seen: number[] = [];
    const off = log.subscribe((e) => seen.push(e.seq));
    log.append({ type: 'node.phase', level: 'info', message: 'a', node: 'm1' });
    log.append({ type: 'node.phase', level: 'info', message: 'b', node: 'm2' });
    log.append({ type: 'node.power', level: 'info', message: 'c', node: 'm1' });
    off();
    log.append({ type: 'agent.reloaded', level: 'info', message: 'd' });
    expect(seen).to.deep.equal([1, 2, 3]);
    expect((await log.read()).map((e) => e.message)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect((await log.read({ since: 2 })).map((e) => e.seq)).to.deep.equal([3, 4]);
    expect((await log.read({ node: 'm1' })).map((e) => e.message)).to.deep.equal(['a', 'c']);
    expect((await log.read({ limit: 1 })).map((e) => e.message)).to.deep.equal(['d']);
    await log.close();
    const lines = (await readFile(join(dir as string, 'events.ndjson'), 'utf8')).trim().split('\n');
    expect(lines).to.have.length(4);
    expect(JSON.parse(lines[0] as string)).to.include({ seq: 1, type: 'node.phase', node: 'm1' });
  });

  it('puts error events in the daemon\'s log too (journalctl -p err names the node and the hint), and nothing else', async () => {
    const captured = captureLog();
    const log = new EventLog({ dir: dir as string, maxBytes: 1 << 20, keep: 2, log: captured.log });
    await log.open();
    log.append({ type: 'node.phase', level: 'info', message: 'node-02: installing', node: 'm2' });
    log.append({ type: 'node.removed', level: 'warn', message: 'node-04 is no longer in nodes.csv', node: 'm4' });
    log.append({ type: 'node.error', level: 'error', message: 'node-03 (m3): bmc-check: no answer', node: 'm3', data: { hint: 'check the BMC cable' } });
    await log.close();
    expect(captured.lines.map((l) => [l.level, l.msg, l.node, l.hint])).to.deep.equal([['error', 'node-03 (m3): bmc-check: no answer', 'm3', 'check the BMC cable']]);
  });

  it('rotates by size, keeps `keep` old files, and continues the sequence across rotations and restarts', async () => {
    const log = mk(600, 2);
    await log.open();
    for (let i = 0; i < 40; i++) {
      log.append({ type: 't', level: 'info', message: `event ${i} ${'x'.repeat(40)}` });
      if (i % 5 === 0) await log.flush();
    }
    await log.close();
    expect((await readdir(dir as string)).sort()).to.deep.equal(['events.1.ndjson', 'events.2.ndjson', 'events.ndjson']);
    const again = mk(600, 2);
    await again.open();
    expect(again.lastSeq).to.equal(40);
    const kept = await again.read();
    expect(kept.length).to.be.lessThan(40); // the oldest rotated away
    expect(kept.at(-1)?.seq).to.equal(40);
    const seqs = kept.map((e) => e.seq);
    expect(seqs).to.deep.equal(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));
    expect(again.append({ type: 't', level: 'info', message: 'next' }).seq).to.equal(41);
    await again.close();
  });

  it('cuts a torn last line left by a crash and carries on from the last complete event', async () => {
    const first = mk();
    await first.open();
    first.append({ type: 't', level: 'info', message: 'one' });
    first.append({ type: 't', level: 'info', message: 'two' });
    await first.close();
    await appendFile(join(dir as string, 'events.ndjson'), '{"seq":3,"at":"2030-01-0');
    const cap = captureLog();
    const log = new EventLog({ dir: dir as string, maxBytes: 1 << 20, keep: 1, log: cap.log });
    await log.open();
    expect(cap.lines.some((l) => /torn/.test(l.msg))).to.equal(true);
    expect(log.append({ type: 't', level: 'info', message: 'three' }).seq).to.equal(3);
    await log.close();
    const text = await readFile(join(dir as string, 'events.ndjson'), 'utf8');
    expect(text.trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message)).to.deep.equal(['one', 'two', 'three']);
  });

  it('reports a damaged line by file, line and field, skips it, and leaves the file as it was', async () => {
    const file = join(dir as string, 'events.ndjson');
    const good = (seq: number, message: string): string => JSON.stringify({ seq, at: '2026-12-06T01:00:00.000Z', type: 't', level: 'info', message });
    const text = `${good(1, 'one')}\n{"seq":2,"at":"2026-12-0\n${JSON.stringify({ seq: 3, at: '2026-12-06T01:00:00.000Z', type: 't', level: 'loud', message: 'x' })}\n${good(4, 'four')}\n`;
    await writeFile(file, text);
    const cap = captureLog();
    const log = new EventLog({ dir: dir as string, maxBytes: 1 << 20, keep: 1, log: cap.log });
    await log.open();
    expect(log.lastSeq).to.equal(4);
    expect((await log.read()).map((e) => e.message)).to.deep.equal(['one', 'four']);
    expect((await log.read({ since: 1 })).map((e) => e.seq)).to.deep.equal([4]);
    const warned = cap.lines.filter((l) => l.level === 'warn');
    expect(warned.map((l) => [l.file, l.line, l.field])).to.deep.equal([[file, 2, undefined], [file, 3, 'level']]); // once each, over open and two reads
    expect(warned[0]?.msg).to.match(new RegExp(`^${file}:2: not JSON`));
    expect(warned[1]?.msg).to.contain(`${file}:3: level: `);
    await log.close();
    expect(await readFile(file, 'utf8')).to.equal(text);
  });

  it('takes an unterminated last line as a write still under way: not reported, not returned', async () => {
    const file = join(dir as string, 'events.ndjson');
    await writeFile(file, `${JSON.stringify({ seq: 1, at: '2026-12-06T01:00:00.000Z', type: 't', level: 'info', message: 'one' })}\n{"seq":2,"at":"2026`);
    const cap = captureLog();
    const reader = new EventLog({ dir: dir as string, maxBytes: 1 << 20, keep: 1, log: cap.log });
    expect((await reader.read()).map((e) => e.seq)).to.deep.equal([1]);
    expect(cap.lines.filter((l) => l.level === 'warn')).to.deep.equal([]);
  });
});
