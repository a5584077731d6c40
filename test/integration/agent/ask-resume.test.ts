/**
 * `--on-failure ask` across agent restarts: the real agent process (`racker agent`, composed as the
 * product composes it) runs a real bootstrap job whose three nodes' BMCs do not answer (a closed
 * port on 127.0.0.1), so every node fails its BMC check and the job asks about each, one question
 * at a time. The agent is killed (SIGKILL) while the first question is open, and stopped (SIGTERM,
 * as systemd restarts it) while the second is: each time the restarted agent's job keeps the open
 * question (same id, same words, shown by `racker status`; a `racker bootstrap --attach` that
 * stays attached through both restarts puts it once) and the answer given with
 * `racker bootstrap --answer` acts as before. Without that, the resumed job took the failed nodes
 * as decided and ended at once, and nobody was asked.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { freePort, isReady, runRacker, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { call } from '../../lib/agent-api.js';
import { writeSignedFlatcarStandIns } from '../../lib/installer-fixtures.js';
import { jobStatePath } from '../../../agent/daemon/wiring/job-state-sink.js';
import type { JobRecord, NodeRecord } from '../../../agent/state/records.js';
import type { JobState } from '../../../bootstrap/job-state.js';
import { racker } from '../../lib/paths.js';

const VERSION = '4081.2.0';
const NODES = ['00:11:22:33:44:10', '00:11:22:33:44:20', '00:11:22:33:44:60']; // the fake rack's three servers

describe('racker agent as a process: an --on-failure ask question open when the agent restarts', function () {
  this.timeout(180_000);
  let dir: string | undefined;
  let rack: FakeRack;
  const agents: AgentProcess[] = [];

  const socket = (): string => join(rack.runDir, 'agent.sock');
  const start = async (): Promise<AgentProcess> => {
    const a = startAgent(rack.env);
    agents.push(a);
    await a.waitForLog(isReady);
    return a;
  };
  const jobs = async (): Promise<JobRecord[]> => ((await call(socket(), 'GET', '/v1/jobs')).json() as { jobs: JobRecord[] }).jobs;
  const job = async (): Promise<JobRecord> => {
    const all = await jobs();
    expect(all).to.have.length(1);
    return all[0] as JobRecord;
  };
  const nodes = async (): Promise<NodeRecord[]> => ((await call(socket(), 'GET', '/v1/nodes')).json() as { nodes: NodeRecord[] }).nodes;
  async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await get();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** The next open question, one not seen before; the job must not finish first. */
  const nextQuestion = async (seen: readonly string[]): Promise<JobRecord> => until('the job to ask', job, (j) => {
    if (['succeeded', 'failed', 'cancelled', 'interrupted'].includes(j.state)) throw new Error(`the job ended without asking: ${j.state}: ${j.message ?? ''}`);
    return j.state === 'waiting' && j.question !== undefined && !seen.includes(j.question.id);
  });
  const answer = async (choice: string): Promise<string> => {
    const r = await runRacker(['bootstrap', '--answer', choice], rack.env);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  };

  before(async () => {
    dir = await makeTempDir('racker-ask-resume-');
    const { images, cert } = await writeSignedFlatcarStandIns(dir, VERSION);
    rack = await writeFakeRack(join(dir, 'rack'), {
      // Every BMC on the closed port 9 of 127.0.0.1: each exchange fails after one short try.
      isolated: { bootPort: await freePort(), bmc: '  cipherSuites: [3]\n  timeoutMs: 300\n  retries: 0' },
      configYaml: `agent:\n  metricsPort: 0\nbootstrap:\n  flatcar: { localDir: ${images}, signingKey: ${cert}, version: "${VERSION}" }\n`,
    });
  });
  after(async () => {
    for (const a of agents.splice(0)) await a.kill('SIGKILL');
    await removeTempDir(dir);
  });

  it('asks the open question again after SIGKILL and after SIGTERM, and its answer (exclude, retry, cancel) acts as before', async () => {
    const first = await start();
    const submit = await runRacker(['bootstrap', '--yes', '--provision', 'flatcar', '--ssh-key', '', '--on-failure', 'ask', '--no-wait'], rack.env);
    expect(submit.code, submit.stderr).to.equal(0);
    const q1 = (await nextQuestion([])).question as NonNullable<JobRecord['question']>;
    // An operator attached without a terminal (plain lines), through both restarts to the end.
    const attached = spawn(process.execPath, [racker, 'bootstrap', '--attach'], { env: { PATH: process.env.PATH ?? '', ...rack.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let watched = '';
    attached.stderr.on('data', (c: Buffer) => { watched += c.toString(); });
    const attachedEnd = new Promise<number | null>((r) => attached.once('exit', (code) => r(code)));
    await until('the attached CLI to show the question', async () => watched, (w) => w.includes(`question: ${q1.text}`));
    // All three fail together; their questions wait their turn behind the first.
    await until('every node to fail', nodes, (ns) => NODES.every((m) => ns.find((n) => n.mac === m)?.phase.name === 'failed'));
    expect((await job()).question, 'one question at a time: the first stays open').to.deep.equal(q1);

    // Killed while the question is open.
    first.child.kill('SIGKILL');
    expect(await first.exited).to.equal(137);
    await start();
    const again = await job();
    expect([again.state, again.question], 'the question is still open after the restart, the same one').to.deep.equal(['waiting', q1]);
    const status = await runRacker(['status'], rack.env);
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.include(q1.text).and.to.include('racker bootstrap --answer');
    expect(await answer('exclude')).to.include(`answered exclude to: ${q1.text}`);

    const q2 = (await nextQuestion([q1.id])).question as NonNullable<JobRecord['question']>;
    expect(q2.node).to.be.oneOf(NODES).and.not.equal(q1.node);
    // Stopped as systemd restarts it, while the second question is open.
    expect(await (agents.at(-1) as AgentProcess).kill('SIGTERM')).to.equal(0);
    await start();
    expect((await job()).question, 'the second question survives a clean restart too').to.deep.equal(q2);
    await answer('retry');
    // The retried node fails again; the third node's question was first in the queue.
    const q3 = (await nextQuestion([q1.id, q2.id])).question as NonNullable<JobRecord['question']>;
    expect(q3.node).to.be.oneOf(NODES).and.not.be.oneOf([q1.node, q2.node]);
    await answer('exclude');
    const q4 = (await nextQuestion([q1.id, q2.id, q3.id])).question as NonNullable<JobRecord['question']>;
    expect(q4.node, 'the retried node, asked about its second failure').to.equal(q2.node);
    await answer('cancel');

    const end = await until('the job to end', job, (j) => !['pending', 'running', 'waiting'].includes(j.state));
    expect(end.question).to.equal(undefined);
    expect(await attachedEnd, watched).to.equal(1);
    expect(watched).to.include('the agent answers again');
    expect(watched.split(`question: ${q1.text}`).length - 1, 'the attached CLI put the first question once, across the restart').to.equal(1);
    const saved = JSON.parse(await readFile(jobStatePath(rack.stateDir, end.id), 'utf8')) as JobState;
    const byNode = (m: string | undefined): [string, number] => [saved.nodes[m ?? '']?.status ?? '?', saved.nodes[m ?? '']?.attempt ?? 0];
    expect([byNode(q1.node), byNode(q3.node), byNode(q2.node)]).to.deep.equal([['excluded', 1], ['excluded', 1], ['failed', 2]]);
    expect(saved.status).to.equal('cancelled');
  });
});
