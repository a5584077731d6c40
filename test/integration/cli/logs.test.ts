/**
 * `racker logs` as a process against the agent as `racker agent` composes it (real control API and
 * event log): the rack's history, one node's, NDJSON, --since, --lines, --follow until Ctrl-C, and
 * the saved files when the agent is not running.
 */
import { expect } from 'chai';
import { execa } from 'execa';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { runRacker } from '../../lib/run-racker.js';
import { startInProcessAgent, type InProcessAgent } from '../../lib/in-process-agent.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { racker } from '../../lib/paths.js';
import type { AgentEvent } from '../../../agent/state/event-log.js';

const NODE2 = '00:11:22:33:44:10';
const NODE3 = '00:11:22:33:44:20';

describe('racker logs', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: InProcessAgent | undefined;

  beforeEach(async () => {
    dir = await makeTempDir('racker-logs-');
    rack = await writeFakeRack(dir);
    agent = await startInProcessAgent(rack);
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await removeTempDir(dir);
  });

  const events = (stdout: string): AgentEvent[] => stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AgentEvent);

  it('prints the rack\'s events oldest first, one node\'s by host name, NDJSON with --json, the last N with --lines', async () => {
    const a = agent as InProcessAgent;
    a.store.event({ type: 'bmc.unreachable', level: 'warn', node: NODE2, message: 'node-02: BMC 172.24.213.3 does not answer' });
    a.store.event({ type: 'node.phase', level: 'info', node: NODE3, message: 'node-03: dhcp' });
    a.store.event({ type: 'node.phase', level: 'error', node: NODE2, message: 'node-02: kernel deadline missed\x1b]0;x\x07' });
    await a.store.persisted();

    const all = await runRacker(['logs'], rack.env);
    expect(all.code, all.stderr).to.equal(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.at(-3)).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}warn {3}bmc\.unreachable +node-02: BMC 172\.24\.213\.3 does not answer$/);
    expect(lines.at(-1)).to.match(/error {2}node\.phase +node-02: kernel deadline missed\\x1b\]0;x\\x07$/);

    const one = events((await runRacker(['logs', '--node', 'node-02', '--json'], rack.env)).stdout);
    expect(one.map((e) => e.node)).to.satisfy((macs: string[]) => macs.length >= 2 && macs.every((m) => m === NODE2));
    expect(one.at(-1)?.message).to.include('kernel deadline missed');

    const last = events((await runRacker(['logs', '--json', '--lines', '2'], rack.env)).stdout);
    expect(last.map((e) => e.message)).to.deep.equal(['node-03: dhcp', 'node-02: kernel deadline missed\x1b]0;x\x07']);
  });

  it('--since takes a time or a duration; bad values are usage errors', async () => {
    const a = agent as InProcessAgent;
    a.store.event({ type: 'test.first', level: 'info', message: 'first' });
    await a.store.persisted();
    const [first] = events((await runRacker(['logs', '--json', '--lines', '1'], rack.env)).stdout);
    // The next event's time must differ from the first's in the log's millisecond resolution.
    while (new Date().toISOString() === first?.at) await new Promise((r) => setTimeout(r, 1));
    const cut = new Date(Date.parse(first?.at as string) + 1).toISOString();
    a.store.event({ type: 'test.second', level: 'info', message: 'second' });
    await a.store.persisted();
    expect(events((await runRacker(['logs', '--json', '--since', cut], rack.env)).stdout).map((e) => e.message)).to.deep.equal(['second']);
    expect(events((await runRacker(['logs', '--json', '--since', '1h'], rack.env)).stdout).map((e) => e.message)).to.include.members(['first', 'second']);
    const bad = await runRacker(['logs', '--since', 'yesterday'], rack.env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--since "yesterday" is neither a duration nor a time');
    expect((await runRacker(['logs', '--lines', '0'], rack.env)).code).to.equal(2);
  });

  it('--follow prints new events as they happen and ends on Ctrl-C with status 0', async () => {
    const a = agent as InProcessAgent;
    const child = execa(racker, ['logs', '--follow', '--node', NODE3], { env: { ...rack.env, NO_COLOR: '1' }, extendEnv: true, reject: false });
    let out = '';
    const seen = (text: string): Promise<void> => new Promise((resolve) => {
      const check = (): void => { if (out.includes(text)) resolve(); };
      child.stdout?.on('data', (d: Buffer) => { out += d.toString(); check(); });
      check();
    });
    a.store.event({ type: 'node.phase', level: 'info', node: NODE3, message: 'node-03: before' });
    await seen('node-03: before');
    a.store.event({ type: 'node.phase', level: 'info', node: NODE2, message: 'node-02: not this node' });
    a.store.event({ type: 'node.phase', level: 'info', node: NODE3, message: 'node-03: live' });
    await seen('node-03: live');
    child.kill('SIGINT');
    expect((await child).exitCode).to.equal(0);
    expect(out).not.to.include('not this node');
  });

  it('without the agent reads the saved event log, says so, and refuses --follow', async () => {
    const a = agent as InProcessAgent;
    a.store.event({ type: 'node.phase', level: 'warn', node: NODE2, message: 'node-02: saved before the stop' });
    await a.store.persisted();
    await a.stop();
    agent = undefined;
    const r = await runRacker(['logs', '--node', '2'], rack.env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/the racker agent is not running .*; showing the events it saved in /);
    expect(r.stdout).to.include('node-02: saved before the stop');
    const follow = await runRacker(['logs', '--follow'], rack.env);
    expect(follow.code).to.equal(1);
    expect(follow.stderr).to.include('--follow needs it');
  });

  it('a damaged line in the saved event log: the agent and racker logs name its file, line and field, show every other event, and change nothing', async () => {
    const a = agent as InProcessAgent;
    const file = join(rack.stateDir, 'events.ndjson');
    a.store.event({ type: 'node.phase', level: 'info', node: NODE2, message: 'node-02: before the damage' });
    await a.store.persisted();
    // A complete line that is not an event (a disk error, a hand edit), between two good ones.
    await appendFile(file, `${JSON.stringify({ seq: 999_999, at: '2026-12-06T01:00:00.000Z', type: 'node.phase', level: 'loud', message: 'damaged' })}\n`);
    const line = (await readFile(file, 'utf8')).trim().split('\n').length;
    a.store.event({ type: 'node.phase', level: 'info', node: NODE2, message: 'node-02: after the damage' });
    await a.store.persisted();

    const live = await runRacker(['logs', '--json', '--node', 'node-02'], rack.env);
    expect(live.code, live.stderr).to.equal(0);
    expect(events(live.stdout).map((e) => e.message).filter((m) => m.includes('damage'))).to.deep.equal(['node-02: before the damage', 'node-02: after the damage']);
    const warned = a.logs.filter((l) => l.level === 'warn' && l.file === file);
    expect(warned.map((l) => [l.line, l.field])).to.deep.equal([[line, 'level']]);
    expect(warned[0]?.msg).to.contain(`${file}:${line}: level: `);

    await a.stop();
    agent = undefined;
    const text = await readFile(file, 'utf8');
    expect(text).to.contain('"level":"loud"'); // the agent kept the line
    const saved = await runRacker(['logs', '--node', 'node-02'], rack.env);
    expect(saved.code, saved.stderr).to.equal(0);
    expect(saved.stderr).to.contain(`racker: ${file}:${line}: level: `).and.to.contain('(a damaged event: skipped, and left in the file)');
    expect(saved.stdout).to.contain('node-02: before the damage').and.to.contain('node-02: after the damage').and.not.to.contain('damaged');
    expect(await readFile(file, 'utf8')).to.equal(text);
  });
});
