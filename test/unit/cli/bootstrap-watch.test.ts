import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { watchJob, type ProgressStream } from '../../../agent/cli/bootstrap-watch.js';
import { FakePrompter, ScriptedJobApi, T0, at, job, node, type AgentState } from '../../lib/job-views.js';

const ESC = String.fromCharCode(27);
/** The text a terminal shows: control sequences and carriage returns removed. */
const visible = (line: string): string => line.replace(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]|\r`, 'g'), '');

const Q = { id: 'q1', text: 'node-03 failed in dhcp. Retry, exclude the node, or cancel the bootstrap?', choices: ['retry', 'exclude', 'cancel'], at: at(10) };

function output(tty = false): { out: ProgressStream; text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number; rows?: number };
  let text = '';
  s.on('data', (c: Buffer) => { text += c.toString(); });
  if (tty) Object.assign(s, { isTTY: true, columns: 60, rows: 20 });
  return { out: s, text: () => text };
}

const running = (phase: 'dhcp' | 'kernel', extra: Partial<ReturnType<typeof job>> = {}): AgentState => ({ job: job(extra), nodes: [node(2, [['queued', 0], ['dhcp', 5], ...(phase === 'kernel' ? [['kernel', 10] as ['kernel', number]] : [])], { job: 'job-1' })] });
const done = (state: 'succeeded' | 'failed'): AgentState => ({ job: job({ state, finishedAt: at(20) }), nodes: [node(2, [['queued', 0], ['dhcp', 5], ['kernel', 10], ['provisioned', 20]], { job: 'job-1' })] });

function watch(api: ScriptedJobApi, o: { tty?: boolean; prompter?: FakePrompter; detach?: AbortSignal } = {}) {
  const out = output(o.tty);
  const ended = watchJob({ api, jobId: 'job-1', out: out.out, live: o.tty === true, prompter: o.prompter, detach: o.detach ?? new AbortController().signal, intervalMs: 1, now: () => new Date(T0 + 30_000) });
  return { ended, text: out.text };
}

describe('cli/bootstrap-watch', () => {
  it('follows the job to its end, printing plain lines per change', async () => {
    const w = watch(new ScriptedJobApi([running('dhcp'), running('dhcp'), running('kernel'), done('succeeded')]));
    const end = await w.ended;
    expect(end.kind).to.equal('finished');
    expect(end.view?.job.state).to.equal('succeeded');
    expect(w.text()).to.contain('node-02: dhcp (for 25s)\n').and.contain('node-02: dhcp → kernel (5s)\n').and.contain('node-02: kernel → provisioned (10s)\n');
    expect(w.text().match(/node-02: dhcp \(/g)).to.have.length(1); // an unchanged poll prints nothing
  });

  it('on a terminal redraws in place: cursor up over the lines drawn, each line cleared', async () => {
    const w = watch(new ScriptedJobApi([running('dhcp'), running('kernel'), done('failed')]), { tty: true });
    await w.ended;
    const frames = w.text().split('\x1b[J');
    expect(frames).to.have.length(4); // three draws
    expect(frames[0]).to.not.contain(`${ESC}[3A`); // the first draws where the cursor is
    expect(frames[1]?.startsWith('\x1b[3A\r')).to.equal(true); // headline, one node, the bar
    expect(frames[1]).to.contain('\x1b[2K  node-02  kernel');
    for (const line of w.text().split('\n')) expect(visible(line).length).to.be.lessThan(60);
  });

  it('asks an open question on the terminal once and posts the answer with the question id', async () => {
    const api = new ScriptedJobApi([running('dhcp', { state: 'waiting', question: Q }), running('dhcp', { state: 'waiting', question: Q }), running('dhcp'), done('succeeded')]);
    const prompter = new FakePrompter('exclude');
    const w = watch(api, { tty: true, prompter });
    await w.ended;
    expect(prompter.asked).to.deep.equal(['q1']);
    expect(api.answers).to.deep.equal([{ questionId: 'q1', answer: 'exclude' }]);
    expect(w.text()).to.contain('answered: exclude');
  });

  it('withdraws the prompt when the question is answered elsewhere', async () => {
    const api = new ScriptedJobApi([running('dhcp', { state: 'waiting', question: Q }), running('dhcp', { state: 'waiting', question: Q }), running('kernel'), done('succeeded')]);
    const prompter = new FakePrompter(undefined);
    const w = watch(api, { tty: true, prompter });
    expect((await w.ended).kind).to.equal('finished');
    expect(prompter.withdrawn).to.equal(1);
    expect(api.answers).to.deep.equal([]);
    expect(w.text()).to.contain('the question was answered elsewhere');
  });

  it('reports an answer the agent no longer takes (409) and goes on', async () => {
    const api = new ScriptedJobApi([running('dhcp', { state: 'waiting', question: Q }), done('succeeded')], true);
    const w = watch(api, { tty: true, prompter: new FakePrompter('retry') });
    expect((await w.ended).kind).to.equal('finished');
    expect(w.text()).to.contain('the agent did not take the answer: question q1 is no longer open');
  });

  it('without a terminal prints the question once with the command that answers it, and keeps waiting', async () => {
    const api = new ScriptedJobApi([running('dhcp', { state: 'waiting', question: Q }), running('dhcp', { state: 'waiting', question: Q }), running('dhcp', { state: 'waiting', question: Q }), done('failed')]);
    const w = watch(api);
    const end = await w.ended;
    expect(end.view?.job.state).to.equal('failed');
    expect(w.text().match(/answer it with: racker bootstrap --answer retry\|exclude\|cancel\n/g)).to.have.length(1);
    expect(w.text()).to.contain(`question: ${Q.text}`);
    expect(api.answers).to.deep.equal([]);
  });

  it('detaches when told, leaving the job alone', async () => {
    const detach = new AbortController();
    const api = new ScriptedJobApi([running('dhcp')]);
    const w = watch(api, { detach: detach.signal });
    while (api.polls < 3) await new Promise((r) => setTimeout(r, 1));
    detach.abort();
    const end = await w.ended;
    expect(end.kind).to.equal('detached');
    expect(end.view?.job.state).to.equal('running');
    expect(api.answers).to.deep.equal([]);
  });

  it('keeps watching while the agent is away (restarting) and says so once', async () => {
    const w = watch(new ScriptedJobApi([running('dhcp'), 'unavailable', 'unavailable', 'unavailable', running('kernel'), done('succeeded')]));
    expect((await w.ended).kind).to.equal('finished');
    expect(w.text().match(/the agent does not answer/g)).to.have.length(1);
    expect(w.text()).to.contain('the agent answers again').and.contain('node-02: dhcp → kernel');
  });
});
