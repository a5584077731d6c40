import { expect } from 'chai';
import { EXIT_DETACHED, exitCodeFor, nodeOutcomes, renderResult, resultJson } from '../../../agent/cli/bootstrap-result.js';
import { T0, at, job, node } from '../../lib/job-views.js';

const NOW = new Date(T0 + 200_000);
const failure = { step: 'dhcp', message: 'no DHCP request within 90 s; last observed: nothing', hint: 'watch the console: racker ipmi node-03 console', at: 95 };

function nodes() {
  return [
    node(2, [['dhcp', 40], ['provisioned', 150]], { job: 'job-1', error: { step: 'dhcp', message: 'an earlier attempt timed out', at: 60 } }),
    node(3, [['dhcp', 5], ['failed', 95]], { job: 'job-1', error: failure }),
    node(4, [['excluded', 99]], { job: 'job-1' }),
    node(5, [['dhcp', 99]], { job: 'job-1' }),
  ];
}

describe('cli/bootstrap-result', () => {
  it('exits 0 only when the job succeeded', () => {
    expect(exitCodeFor(job({ state: 'succeeded' }))).to.equal(0);
    for (const state of ['failed', 'cancelled', 'interrupted', 'running', 'waiting'] as const) expect(exitCodeFor(job({ state })), state).to.equal(1);
    expect(EXIT_DETACHED).to.equal(130);
  });

  it('gives every node its result, and a failure its step, message and hint (a ready node\'s old problem is not one)', () => {
    expect(nodeOutcomes(nodes())).to.deep.equal([
      { hostname: 'node-02', mac: '02:00:00:00:00:02', result: 'ready', phase: 'provisioned' },
      { hostname: 'node-03', mac: '02:00:00:00:00:03', result: 'failed', phase: 'dhcp', problem: { step: 'dhcp', message: failure.message, hint: failure.hint } },
      { hostname: 'node-04', mac: '02:00:00:00:00:04', result: 'excluded', phase: 'excluded' },
      { hostname: 'node-05', mac: '02:00:00:00:00:05', result: 'unfinished', phase: 'dhcp' },
    ]);
  });

  it('renders the final table, the problems in full, the counts and what to do next', () => {
    const text = renderResult({ job: job({ state: 'failed', finishedAt: at(180), message: '1 node failed', error: { code: 'RACKER_E_PROVISIONING', message: 'node-03 failed in dhcp', hint: 'see the table' } }), nodes: nodes() }, NOW);
    expect(text.split('\n')).to.deep.equal([
      'NODE     RESULT      PHASE        HINT',
      'node-02  ready       provisioned',
      'node-03  failed      dhcp         watch the console: racker ipmi node-03 console',
      'node-04  excluded    excluded',
      'node-05  unfinished  dhcp',
      '',
      'Problems:',
      '  node-03 (02:00:00:00:00:03), dhcp: no DHCP request within 90 s; last observed: nothing',
      '',
      '4 nodes: 1 ready, 1 failed, 1 excluded, 1 unfinished.',
      'bootstrap job-1: failed for 3m00s: 1 node failed',
      '  node-03 failed in dhcp',
      '  hint: see the table',
      'Fix what the hints say, then run racker bootstrap again: nodes already ready are skipped (--reprovision to redo them).',
    ]);
    const ok = renderResult({ job: job({ state: 'succeeded', finishedAt: at(60), message: '1 node provisioned' }), nodes: [nodes()[0]!] }, NOW);
    expect(ok.split('\n').slice(-2)).to.deep.equal(['1 node: 1 ready.', 'bootstrap job-1: succeeded for 1m00s: 1 node provisioned']);
  });

  it('--json: the job, every node\'s outcome and the exit status', () => {
    const out = JSON.parse(resultJson({ job: job({ state: 'succeeded' }), nodes: nodes().slice(0, 1) })) as { job: { id: string }; nodes: unknown[]; exitCode: number };
    expect(out.job.id).to.equal('job-1');
    expect(out.nodes).to.have.length(1);
    expect(out.exitCode).to.equal(0);
    expect((JSON.parse(resultJson({ job: job(), nodes: [] })) as { exitCode: number }).exitCode).to.equal(EXIT_DETACHED);
  });
});
