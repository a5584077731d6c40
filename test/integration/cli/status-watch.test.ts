/**
 * `racker status --full --watch` as a process while the agent is not running: every refresh reads
 * the saved event log again, and a damaged line in it is warned about once, not on every refresh;
 * a line damaged later is warned about when it appears.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { startInProcessAgent } from '../../lib/in-process-agent.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { racker } from '../../lib/paths.js';

const damaged = (n: number): string => `${JSON.stringify({ seq: 999_000 + n, at: '2026-12-06T01:00:00.000Z', type: 'node.phase', level: 'loud', message: `damaged ${n}` })}\n`;

describe('racker status --full --watch: warnings about the saved files', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let rack: FakeRack;

  before(async () => {
    dir = await makeTempDir('racker-status-watch-');
    rack = await writeFakeRack(dir);
    const agent = await startInProcessAgent(rack);
    agent.store.event({ type: 'node.phase', level: 'info', node: '00:11:22:33:44:10', message: 'node-02: saved before the stop' });
    await agent.store.persisted();
    await agent.stop();
  });
  after(async () => removeTempDir(dir));

  it('says each damaged line once per change, not on every refresh', async () => {
    const file = join(rack.stateDir, 'events.ndjson');
    await appendFile(file, damaged(1));
    const firstLine = (await readFile(file, 'utf8')).trim().split('\n').length;
    const watch = spawn(process.execPath, [racker, 'status', '--full', '--watch', '--json'], { env: { PATH: process.env.PATH ?? '', ...rack.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    watch.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    let refreshes = 0;
    let wake: (() => void) | undefined;
    createInterface({ input: watch.stdout }).on('line', () => { refreshes += 1; wake?.(); });
    const refreshed = async (n: number): Promise<void> => {
      while (refreshes < n) await new Promise<void>((r) => { wake = r; });
    };
    try {
      await refreshed(3);
      await appendFile(file, damaged(2));
      const before = refreshes;
      await refreshed(before + 3);
      const exited = new Promise<number | null>((r) => watch.once('exit', (code) => r(code)));
      watch.kill('SIGINT');
      expect(await exited).to.equal(0);
    } finally {
      if (watch.exitCode === null && watch.pid !== undefined) process.kill(watch.pid, 'SIGKILL');
    }
    const count = (s: string): number => stderr.split(s).length - 1;
    expect(count(`${file}:${firstLine}: level: `), stderr).to.equal(1);
    expect(count(`${file}:${firstLine + 1}: level: `), stderr).to.equal(1);
    expect(count('(a damaged event: skipped, and left in the file)'), stderr).to.equal(2);
  });
});
