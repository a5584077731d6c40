import { expect } from 'chai';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { racker } from '../../lib/paths.js';
import { ScriptedControlApi, type ScriptStep } from '../../lib/scripted-control-api.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { TmuxTerminal } from '../../lib/tmux.js';

const HOSTS = ['node-02', 'node-03', 'node-04'];
const QUESTION = 'node-03 failed in dhcp: no DHCP request within 90 s. Retry, exclude the node, or cancel the bootstrap?';

/** Nodes to dhcp, a hold, node-03 fails, the question; "exclude" finishes the job successfully. */
function script(): ScriptStep[] {
  return [
    ...HOSTS.map((node) => ({ node, phase: 'bmc-check' as const })), ...HOSTS.map((node) => ({ node, phase: 'dhcp' as const })), { hold: true },
    { node: 'node-03', phase: 'failed', error: { step: 'dhcp', message: 'no DHCP request within 90 s', hint: 'check the PXE boot override' } },
    { ask: { text: QUESTION, choices: ['retry', 'exclude', 'cancel'] },
      branches: { exclude: [{ node: 'node-03', phase: 'excluded' }, { node: 'node-02', phase: 'provisioned' }, { node: 'node-04', phase: 'provisioned' }, { finish: 'succeeded' }] } },
  ];
}

describe('racker bootstrap in a terminal (tmux, against a scripted control API)', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: ScriptedControlApi;
  let term: TmuxTerminal;

  beforeEach(async () => {
    dir = await makeTempDir('racker-bootstrap-tty-');
    rack = await writeFakeRack(dir);
    agent = new ScriptedControlApi(join(rack.runDir, 'agent.sock')).script(script());
    await agent.start();
    agent.startJob();
    term = new TmuxTerminal(dir);
    await term.start([process.execPath, racker, 'bootstrap', '--attach'], rack.env, { width: 80, height: 24 });
  });
  afterEach(async () => {
    await term.stop();
    await agent.stop();
    await removeTempDir(dir);
  });

  it('redraws one line per node in place, asks the question with numbered choices and posts the answer', async () => {
    // Two seconds in dhcp means two redraws or more since the nodes got there.
    const screen = await term.waitFor(/node-04\s+dhcp\s+[2-9]s/);
    expect(screen.match(/bootstrap job-1: running/g), screen).to.have.length(1);
    for (const h of HOSTS) expect(screen.match(new RegExp(`${h}\\s+dhcp`, 'g')), screen).to.have.length(1);
    expect(screen).to.contain('[....................] 0/3 ready');

    await agent.reachHold();
    agent.release();
    const asked = await term.waitFor(/answer \(1-3 or a word\) >/);
    expect(asked).to.contain('1) retry').and.contain('2) exclude').and.contain('3) cancel');
    expect(asked).to.contain('node-03 failed in dhcp: no DHCP request within 90 s. Retry, exclude the node');
    await term.type('2');
    await term.keys('Enter');
    expect(await term.waitForExit()).to.equal(0);
    expect(agent.answers).to.deep.equal(['exclude']);
    const transcript = await term.transcript();
    expect(transcript).to.contain('answered: exclude');
    expect(transcript).to.match(/node-03\s+excluded\s+dhcp\s+check the PXE boot override/);
    expect(transcript).to.contain('3 nodes: 2 ready, 1 excluded.');
  });

  it('Ctrl-C at the question detaches (exit 130) without answering; the job still waits for its answer', async () => {
    await term.waitFor(/node-04\s+dhcp/);
    await agent.reachHold();
    agent.release();
    await term.waitFor(/answer \(1-3 or a word\) >/);
    await term.keys('C-c');
    expect(await term.waitForExit()).to.equal(130);
    expect(await term.transcript()).to.contain('detached; the bootstrap goes on in the agent. Re-attach with: racker bootstrap --attach');
    expect(agent.answers).to.deep.equal([]);
    expect(agent.job?.state).to.equal('waiting');
  });
});
