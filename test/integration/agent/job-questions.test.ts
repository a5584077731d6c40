/**
 * The failure policy's questions in the job manager, through the agent as `racker agent` composes
 * it (real control API over its socket, state store, job manager), with a scripted runner: nodes
 * that fail together are asked about one at a time, and a question open when the agent stops is
 * open again, with the same id, when it starts, and may be answered before the resumed job asks
 * it again. (test/integration/agent/ask-resume.test.ts runs the real bootstrap through restarts.)
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { startInProcessAgent, type InProcessAgent } from '../../lib/in-process-agent.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { call } from '../../lib/agent-api.js';
import { bootstrapBody } from '../../lib/bootstrap-request.js';
import type { JobQuestion, JobRecord } from '../../../agent/state/records.js';

const CHOICES = ['retry', 'exclude', 'cancel'];
const question = (node: string): { text: string; choices: string[]; node: string } => ({ text: `${node} failed in bmc-check. Retry, exclude the node, or cancel the bootstrap?`, choices: CHOICES, node });

describe('job questions: one at a time, and open across an agent restart', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let rack: FakeRack;
  const agents: InProcessAgent[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('racker-job-questions-');
    rack = await writeFakeRack(dir);
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    await removeTempDir(dir);
  });

  const socket = (): string => join(rack.runDir, 'agent.sock');
  const start = async (script: Parameters<typeof startInProcessAgent>[1]): Promise<InProcessAgent> => {
    const a = await startInProcessAgent(rack, script);
    agents.push(a);
    return a;
  };
  const stop = async (a: InProcessAgent): Promise<void> => {
    agents.splice(agents.indexOf(a), 1);
    await a.stop();
  };
  const job = async (id: string): Promise<JobRecord> => ((await call(socket(), 'GET', `/v1/jobs/${id}`)).json() as { job: JobRecord }).job;
  async function until(id: string, ok: (j: JobRecord) => boolean): Promise<JobRecord> {
    for (;;) {
      const j = await job(id);
      if (ok(j)) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const asking = (id: string, seen: readonly string[] = []): Promise<JobRecord> => until(id, (j) => j.question !== undefined && !seen.includes(j.question.id));
  const answer = async (id: string, q: JobQuestion, choice: string): Promise<number> => (await call(socket(), 'POST', `/v1/jobs/${id}/answer`, JSON.stringify({ questionId: q.id, answer: choice }))).status;
  const submit = async (): Promise<string> => ((await call(socket(), 'POST', '/v1/jobs', bootstrapBody())).json() as { job: JobRecord }).job.id;

  it('asks about nodes that fail together one at a time, in the order they asked; each answer goes to its own node', async () => {
    const a = await start({ script: { asks: [question('node-02'), question('node-03'), question('node-04')] } });
    const id = await submit();
    const seen: string[] = [];
    for (const [node, choice] of [['node-02', 'exclude'], ['node-03', 'retry'], ['node-04', 'cancel']] as const) {
      const q = (await asking(id, seen)).question as JobQuestion;
      expect(q.node).to.equal(node);
      seen.push(q.id);
      expect(await answer(id, q, choice)).to.equal(200);
    }
    expect((await until(id, (j) => j.state === 'succeeded')).question).to.equal(undefined);
    expect(a.runner.answers).to.deep.equal(['node-02: exclude', 'node-03: retry', 'node-04: cancel']);
  });

  it('keeps the open question across a restart (same id), takes an answer given before the resumed job asks again, and gives it to the job', async () => {
    const first = await start({ script: { ask: question('node-03') } });
    const id = await submit();
    const q = (await asking(id)).question as JobQuestion;
    await stop(first);

    let reach = (): void => undefined;
    const reached = new Promise<void>((r) => { reach = r; });
    const second = await start({ script: { ask: question('node-03'), askAfter: reached } });
    const resumed = await job(id);
    expect([resumed.state, resumed.question], 'open again before the resumed job got to it').to.deep.equal(['waiting', q]);
    expect(second.runner.runs).to.deep.equal([{ id, resumed: true }]);
    expect(await answer(id, q, 'maybe')).to.equal(400);
    expect(await answer(id, q, 'exclude')).to.equal(200);
    expect(await answer(id, q, 'retry'), 'answered once').to.equal(409);
    expect((await job(id)).question).to.equal(undefined);
    reach();
    expect((await until(id, (j) => j.state === 'succeeded')).state).to.equal('succeeded');
    expect(second.runner.answers).to.deep.equal(['exclude']);
  });

  it('a resumed job that asks another question first: that one is open, with a new id; the carried one is asked anew in its turn', async () => {
    const first = await start({ script: { ask: question('node-03') } });
    const id = await submit();
    const q = (await asking(id)).question as JobQuestion;
    await stop(first);
    const second = await start({ script: { asks: [question('node-04'), question('node-03')] } });
    const other = (await asking(id, [q.id])).question as JobQuestion;
    expect(other.node).to.equal('node-04');
    expect(await answer(id, q, 'exclude'), 'the carried question gave way').to.equal(409);
    expect(await answer(id, other, 'retry')).to.equal(200);
    const again = (await asking(id, [q.id, other.id])).question as JobQuestion;
    expect([again.node, again.text]).to.deep.equal([q.node, q.text]);
    expect(await answer(id, again, 'exclude')).to.equal(200);
    await until(id, (j) => j.state === 'succeeded');
    expect(second.runner.answers).to.deep.equal(['node-04: retry', 'node-03: exclude']);
  });
});
