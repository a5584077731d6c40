import { expect } from 'chai';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { runRacker } from '../../lib/run-racker.js';
import { spawnRacker, type RackerProcess } from '../../lib/racker-process.js';
import { startInProcessAgent, type InProcessAgent } from '../../lib/in-process-agent.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example';

describe('racker bootstrap against the agent\'s real control API and job manager (fake runner)', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: InProcessAgent;
  const procs: RackerProcess[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('racker-bootstrap-api-');
    rack = await writeFakeRack(dir);
    agent = await startInProcessAgent(rack);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
    await agent.stop();
    await removeTempDir(dir);
  });

  it('the real schema takes the CLI\'s job; the question is answered with --answer; the job succeeds (exit 0)', async () => {
    agent.runner.script = { ask: { text: 'node-03 failed in dhcp. Retry, exclude the node, or cancel the bootstrap?', choices: ['retry', 'exclude', 'cancel'] } };
    const follower = spawnRacker(['bootstrap', '--yes', '--ssh-key', KEY, '--cluster-name', 'prod'], rack.env);
    procs.push(follower);
    await follower.waitFor(/answer it with: racker bootstrap --answer retry\|exclude\|cancel/);
    const answered = await runRacker(['bootstrap', '--answer', 'retry'], rack.env);
    expect(answered.code, answered.stderr).to.equal(0);
    expect(await follower.exited, follower.stderr()).to.equal(0);
    expect(agent.runner.answers).to.deep.equal(['retry']);
    const [job] = agent.jobs.list();
    expect(job?.state).to.equal('succeeded');
    expect(follower.stdout()).to.contain(`bootstrap ${job?.id ?? '?'}: succeeded`).and.contain('3 nodes provisioned');
  });

  it('Ctrl-C leaves the real job running; --cancel stops it; --attach then shows it cancelled (exit 1)', async () => {
    agent.runner.script = { hang: true };
    const follower = spawnRacker(['bootstrap', '--yes', '--ssh-key', KEY], rack.env);
    procs.push(follower);
    await follower.waitFor(/checking BMCs/);
    follower.signal('SIGINT');
    expect(await follower.exited).to.equal(130);
    expect(agent.jobs.list().map((j) => j.state)).to.deep.equal(['running']);

    const cancelled = await runRacker(['bootstrap', '--cancel'], rack.env);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(agent.jobs.list().map((j) => j.state)).to.deep.equal(['cancelled']);
    const attached = await runRacker(['bootstrap', '--attach'], rack.env);
    expect(attached.code).to.equal(1);
    expect(attached.stdout).to.match(/bootstrap \S+: cancelled .*cancelled on request/);
  });
});
