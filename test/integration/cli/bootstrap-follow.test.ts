import { expect } from 'chai';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { runRacker } from '../../lib/run-racker.js';
import { spawnRacker, type RackerProcess } from '../../lib/racker-process.js';
import { ScriptedControlApi, type ScriptStep } from '../../lib/scripted-control-api.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example';
const SUBMIT = ['bootstrap', '--yes', '--ssh-key', KEY];
const HOSTS = ['node-02', 'node-03', 'node-04'];
const DETACHED = 'detached; the bootstrap goes on in the agent. Re-attach with: racker bootstrap --attach';

/** Every node through a few phases, interleaved as a real run would be. */
function phases(hosts: string[], list: ('bmc-check' | 'dhcp' | 'kernel' | 'provisioned')[]): ScriptStep[] {
  return list.flatMap((phase) => hosts.map((node) => ({ node, phase })));
}

const DHCP_FAILURE = { step: 'dhcp', message: 'no DHCP request from 00:11:22:33:44:20 within 90 s after 2 escalations; last observed: power on', hint: 'check the PXE boot override: racker ipmi node-03 boot' };

describe('racker bootstrap following the job (as a process, against a scripted control API)', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: ScriptedControlApi;
  const procs: RackerProcess[] = [];
  const spawn = (args: string[]): RackerProcess => {
    const p = spawnRacker(args, rack.env);
    procs.push(p);
    return p;
  };

  beforeEach(async () => {
    dir = await makeTempDir('racker-bootstrap-follow-');
    rack = await writeFakeRack(dir);
    agent = new ScriptedControlApi(join(rack.runDir, 'agent.sock'), 40);
    await agent.start();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
    await agent.stop();
    await removeTempDir(dir);
  });

  it('prints a line per phase change, then the final table, and exits 0 when the job succeeds', async () => {
    // Held until the CLI has seen every node queued, so each transition after is one it must tell.
    agent.script([{ hold: true }, ...phases(HOSTS, ['bmc-check', 'dhcp', 'kernel', 'provisioned']), { finish: 'succeeded', message: '3 nodes provisioned' }]);
    const p = spawn([...SUBMIT, '--on-failure', 'exclude']);
    await p.waitFor(/node-04: queued \(for \d+s\)\n/);
    await agent.reachHold();
    agent.release();
    const r = { code: await p.exited, stdout: p.stdout(), stderr: p.stderr() };
    expect(r.code, r.stderr).to.equal(0);
    expect(agent.requests.filter((q) => q.method === 'POST').map((q) => [q.url, (JSON.parse(q.body) as { onFailure: string }).onFailure])).to.deep.equal([['/v1/jobs', 'exclude']]);
    expect(r.stderr).to.contain('bootstrap job job-1 started in the agent');
    for (const h of HOSTS) {
      // every transition is told, also those shorter than a poll
      for (const [a, b] of [['queued', 'bmc-check'], ['bmc-check', 'dhcp'], ['dhcp', 'kernel'], ['kernel', 'provisioned']]) expect(r.stderr).to.match(new RegExp(`${h}: ${a} → ${b} \\(\\d+s\\)\\n`));
    }
    expect(r.stderr).to.contain('[####################] 3/3 ready\n');
    expect(r.stderr).to.not.contain('\x1b['); // no terminal, no control sequences
    expect(r.stdout).to.match(/NODE\s+RESULT\s+PHASE\s+HINT\nnode-02\s+ready\s+provisioned\nnode-03\s+ready\s+provisioned\nnode-04\s+ready\s+provisioned\n/);
    expect(r.stdout).to.contain('3 nodes: 3 ready.').and.contain('bootstrap job-1: succeeded');
  });

  it('a failed job: exit 1, the failed node\'s step, problem and hint in the final table; --json gives the same as JSON', async () => {
    const script = (): ScriptStep[] => [...phases(HOSTS, ['bmc-check', 'dhcp']), { node: 'node-03', phase: 'failed', error: DHCP_FAILURE }, ...phases(['node-02', 'node-04'], ['provisioned']),
      { finish: 'failed', error: { code: 'RACKER_E_PROVISIONING', message: '1 node failed', hint: 'see the failed nodes' } }];
    agent.script(script());
    const r = await runRacker([...SUBMIT, '--on-failure', 'cancel'], rack.env);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.contain(`node-03: problem in dhcp: ${DHCP_FAILURE.message}`);
    expect(r.stdout).to.match(new RegExp(`node-03\\s+failed\\s+dhcp\\s+${DHCP_FAILURE.hint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(r.stdout).to.contain(`node-03 (00:11:22:33:44:20), dhcp: ${DHCP_FAILURE.message}`).and.contain('1 node failed').and.contain('hint: see the failed nodes');

    agent.script(script());
    const j = await runRacker([...SUBMIT, '--json'], rack.env);
    expect(j.code, j.stderr).to.equal(1);
    const out = JSON.parse(j.stdout) as { job: { state: string }; nodes: { hostname: string; result: string; problem?: { hint: string } }[]; exitCode: number };
    expect(out.job.state).to.equal('failed');
    expect(out.exitCode).to.equal(1);
    expect(out.nodes.map((n) => [n.hostname, n.result, n.problem?.hint])).to.deep.equal([['node-02', 'ready', undefined], ['node-03', 'failed', DHCP_FAILURE.hint], ['node-04', 'ready', undefined]]);
  });

  it('without a terminal prints the open question and how to answer; --answer from another shell answers it and the watch goes on', async () => {
    agent.script([...phases(HOSTS, ['bmc-check', 'dhcp']), { node: 'node-03', phase: 'failed', error: DHCP_FAILURE },
      { ask: { text: `node-03 failed in dhcp: ${DHCP_FAILURE.message}. Retry, exclude the node, or cancel the bootstrap?`, choices: ['retry', 'exclude', 'cancel'], node: '00:11:22:33:44:20' },
        branches: { exclude: [{ node: 'node-03', phase: 'excluded' }, ...phases(['node-02', 'node-04'], ['provisioned']), { finish: 'succeeded' }], cancel: [{ finish: 'failed' }] } }]);
    const follower = spawn(SUBMIT);
    await follower.waitFor(/answer it with: racker bootstrap --answer retry\|exclude\|cancel\n/);
    expect(follower.stderr()).to.contain('question: node-03 failed in dhcp: no DHCP request');

    const wrong = await runRacker(['bootstrap', '--answer', 'skip'], rack.env);
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.contain('--answer: "skip" is not an answer to: node-03 failed in dhcp').and.contain('answer one of: retry, exclude, cancel');

    const answered = await runRacker(['bootstrap', '--answer', 'exclude'], rack.env);
    expect(answered.code, answered.stderr).to.equal(0);
    expect(answered.stdout).to.contain('job job-1: answered exclude to: node-03 failed in dhcp');
    expect(agent.answers).to.deep.equal(['exclude']);

    expect(await follower.exited).to.equal(0);
    expect(follower.stderr()).to.match(/node-03: failed → excluded/);
    expect(follower.stdout()).to.match(/node-03\s+excluded\s+dhcp\s+check the PXE boot override/);
    expect(follower.stdout()).to.contain('3 nodes: 2 ready, 1 excluded.');

    const none = await runRacker(['bootstrap', '--answer', 'retry'], rack.env);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.contain('no bootstrap job is running (the last one, job-1, succeeded)');
  });

  it('Ctrl-C detaches (exit 130) and leaves the job running; --attach resumes and follows it to the end', async () => {
    agent.script([...phases(HOSTS, ['bmc-check']), { hold: true }, ...phases(HOSTS, ['dhcp', 'provisioned']), { finish: 'succeeded' }]);
    const first = spawn(SUBMIT);
    await first.waitFor(/node-04: (queued → bmc-check|bmc-check \(for)/);
    await agent.reachHold();
    first.signal('SIGINT');
    expect(await first.exited).to.equal(130);
    expect(first.stderr()).to.contain(DETACHED);
    expect(first.stdout()).to.equal('');
    expect(agent.job?.state).to.equal('running');
    expect(agent.requests.filter((r) => r.method === 'POST').map((r) => r.url)).to.deep.equal(['/v1/jobs']);

    const attached = spawn(['bootstrap', '--attach']);
    await attached.waitFor(/node-02: bmc-check \(for \d+s\)\n/);
    await agent.reachHold();
    expect(attached.stderr()).to.contain('attached to bootstrap job job-1');
    agent.release();
    expect(await attached.exited).to.equal(0);
    expect(attached.stderr()).to.match(/node-02: bmc-check → dhcp \(\d+s\)\n/);
    expect(attached.stdout()).to.contain('3 nodes: 3 ready.');

    // attaching when nothing runs shows the last job's result and its exit status
    const again = await runRacker(['bootstrap', '--attach', 'job-1'], rack.env);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.contain('bootstrap job-1: succeeded');
  });

  it('--cancel cancels the running job; a watcher sees it end (exit 1); --no-wait returns at once with the job id', async () => {
    agent.script([...phases(HOSTS, ['bmc-check']), { hold: true }, { finish: 'succeeded' }]);
    const submitted = await runRacker([...SUBMIT, '--no-wait'], rack.env);
    expect(submitted.code, submitted.stderr).to.equal(0);
    expect(submitted.stdout).to.contain('bootstrap job job-1 started in the agent; follow it with: racker bootstrap --attach');
    expect(agent.job?.state).to.equal('running');

    const watcher = spawn(['bootstrap', '--attach']);
    await watcher.waitFor(/attached to bootstrap job job-1/);
    const cancelled = await runRacker(['bootstrap', '--cancel'], rack.env);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(cancelled.stdout).to.contain('bootstrap job-1: cancelled');
    expect(await watcher.exited).to.equal(1);
    expect(watcher.stdout()).to.match(/node-02\s+cancelled/);
    expect(watcher.stdout()).to.contain('bootstrap job-1: cancelled');

    const nothing = await runRacker(['bootstrap', '--cancel'], rack.env);
    expect(nothing.code).to.equal(1);
    expect(nothing.stderr).to.contain('no bootstrap job is running');
  });

  it('refuses steering flags that do not go together (exit 2)', async () => {
    for (const [args, message] of [
      [['--attach', '--cancel'], '--attach and --cancel do not go together'],
      [['--attach', '--yes'], '--yes does not go with --attach'],
      [['--answer', 'retry', 'job-1', 'job-2'], 'unexpected argument "job-2"'],
      [['--no-wait', '--dry-run', '--yes'], '--no-wait goes with a real run'],
    ] as const) {
      const r = await runRacker(['bootstrap', ...args], rack.env);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr).to.contain(message);
    }
    expect(agent.requests).to.deep.equal([]);
  });
});
