import { expect } from 'chai';
import { clip, elapsed, initialPlainState, jobNodes, plainChanges, progressBar, renderLive, wrap } from '../../../agent/cli/bootstrap-progress.js';
import { T0, at, job, node } from '../../lib/job-views.js';

const NOW = new Date(T0 + 100_000);

function rack() {
  return [
    node(2, [['queued', 0], ['bmc-check', 1], ['dhcp', 40]], { job: 'job-1' }),
    node(3, [['queued', 0], ['dhcp', 5], ['failed', 95]], { job: 'job-1', error: { step: 'dhcp', message: 'no DHCP request from 02:00:00:00:00:03 within 90 s; last observed: nothing', hint: 'watch the console: racker ipmi node-03 console', at: 95 } }),
    node(4, [['queued', 0], ['provisioned', 99]], { job: 'job-1' }),
  ];
}

describe('cli/bootstrap-progress', () => {
  it('formats durations, clips and wraps lines', () => {
    expect([0, 4_999, 59_000, 125_000, 3_780_000].map(elapsed)).to.deep.equal(['0s', '4s', '59s', '2m05s', '1h03m']);
    expect(clip('a  b\nc', 10)).to.equal('a b c');
    expect(clip('abcdefghij', 5)).to.equal('abcd…');
    expect(wrap('one two three four five', 10, 3)).to.deep.equal(['one two', '  three', '  four fi…']);
    expect(wrap('short', 10, 3)).to.deep.equal(['short']);
  });

  it('draws the overall bar: # ready, x failed or excluded, . still to go', () => {
    expect(progressBar({ total: 5, ready: 3, failed: 1, excluded: 0 }, 10)).to.equal('[######xx..] 3/5 ready, 1 failed');
    expect(progressBar({ total: 4, ready: 0, failed: 0, excluded: 0 }, 8)).to.equal('[........] 0/4 ready');
    expect(progressBar({ total: 2, ready: 1, failed: 0, excluded: 1 }, 4)).to.equal('[##xx] 1/2 ready, 1 excluded');
    expect(progressBar({ total: 0, ready: 0, failed: 0, excluded: 0 }, 4)).to.equal('[....] 0/0 ready');
    expect(progressBar({ total: 3, ready: 3, failed: 0, excluded: 0 }, 0)).to.equal('3/3 ready');
    // Skipped nodes (provisioned by an earlier job) are counted as skipped, never as ready.
    expect(progressBar({ total: 3, ready: 1, failed: 0, excluded: 0, skipped: 2 }, 6)).to.equal('[##====] 1/3 ready, 2 skipped');
    expect(progressBar({ total: 1, ready: 1, failed: 0, excluded: 0, skipped: 0 }, 0)).to.equal('1/1 ready');
  });

  it('takes the job\'s nodes: those it ran, and those its request selects, never the management node', () => {
    const mgmt = node(1, [['management', 0]], { management: true });
    const earlier = node(5, [['provisioned', 0]], { job: 'job-0' });
    const all = [mgmt, ...rack(), earlier];
    expect(jobNodes(job(), all).map((n) => n.hostname)).to.deep.equal(['node-02', 'node-03', 'node-04', 'node-05']);
    expect(jobNodes(job({ request: { nodes: ['node-02'], exclude: [] } }), [mgmt, node(2, [['new', 0]]), earlier]).map((n) => n.hostname)).to.deep.equal(['node-02']);
    // exclusion by any MAC, any spelling; the job's own nodes always count
    expect(jobNodes(job({ request: { nodes: [], exclude: ['02-00-00-00-01-05', '020000000002'] } }), [node(2, [['new', 0]]), earlier, node(6, [['new', 0]])]).map((n) => n.hostname)).to.deep.equal(['node-06']);
    expect(jobNodes(job({ request: { exclude: ['node-02'] } }), [node(2, [['dhcp', 0]], { job: 'job-1' })]).map((n) => n.hostname)).to.deep.equal(['node-02']);
  });

  it('draws the live screen: headline, one line per node (phase, time in phase, last problem), the bar', () => {
    const lines = renderLive({ job: job({ message: 'node-04: provisioned', progress: { total: 3, ready: 1, failed: 1, excluded: 0 } }), nodes: rack() }, { now: NOW, width: 100, height: 24 });
    expect(lines).to.deep.equal([
      'bootstrap job-1: running for 1m40s: node-04: provisioned',
      '  node-02  dhcp          1m00s',
      '  node-03  failed           5s  dhcp: no DHCP request from 02:00:00:00:00:03 within 90 s; last obs…',
      '  node-04  provisioned      1s',
      '[#######xxxxxxx......] 1/3 ready, 1 failed',
    ]);
  });

  it('never draws a line as wide as the terminal, at any width', () => {
    for (const width of [20, 40, 60, 80, 132]) {
      const lines = renderLive({ job: job({ message: 'x'.repeat(300), question: { id: 'q', text: 'node-03 failed in dhcp: '.repeat(10), choices: ['retry', 'exclude', 'cancel'], at: at(95) } }), nodes: rack() }, { now: NOW, width, height: 40 });
      for (const l of lines) expect(l.length, `${width}: ${l}`).to.be.lessThan(width);
    }
    const narrow = renderLive({ job: job(), nodes: rack() }, { now: NOW, width: 50, height: 24 });
    expect(narrow[2]).to.equal('  node-03  failed           5s  dhcp: no DHCP re…');
  });

  it('shows the open question, wrapped, with the command that answers it', () => {
    const q = { id: 'q1', text: 'node-03 failed in dhcp: no DHCP request. Retry, exclude the node, or cancel the bootstrap?', choices: ['retry', 'exclude', 'cancel'], at: at(95) };
    const lines = renderLive({ job: job({ state: 'waiting', question: q }), nodes: rack() }, { now: NOW, width: 60, height: 24 });
    expect(lines.slice(-4)).to.deep.equal([
      '[..........] 0/3 ready',
      '? node-03 failed in dhcp: no DHCP request. Retry, exclude',
      '  the node, or cancel the bootstrap?',
      '  answer it with: racker bootstrap --answer retry|exclude|…',
    ]);
  });

  it('fits a rack taller than the terminal: failed and busy nodes stay, the rest become one summary line', () => {
    const nodes = Array.from({ length: 30 }, (_, i) => node(i + 2, [['queued', 0], ...(i < 20 ? [['provisioned', 50]] : i === 25 ? [['failed', 60]] : [['dhcp', 70]]) as [never, number][]], { job: 'job-1' }));
    const lines = renderLive({ job: job(), nodes }, { now: NOW, width: 80, height: 12 });
    expect(lines).to.have.length(11);
    expect(lines.slice(1, -1).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).to.deep.equal([
      'node-22 dhcp', 'node-23 dhcp', 'node-24 dhcp', 'node-25 dhcp', 'node-26 dhcp', 'node-27 failed', 'node-28 dhcp', 'node-29 dhcp', '… and',
    ]);
    expect(lines.at(-2)).to.equal('  … and 22 more: 20 provisioned, 2 dhcp');
  });

  it('plain mode: where each node is on first sight, then one line per transition with the time in the phase left', () => {
    const first = plainChanges({ job: job(), nodes: [node(2, [['queued', 0], ['bmc-check', 1]], { job: 'job-1' })] }, initialPlainState(), new Date(T0 + 3000));
    expect(first.lines).to.deep.equal(['bootstrap job-1: running for 3s', 'node-02: bmc-check (for 2s)', '[....................] 0/3 ready']);
    // two transitions between two polls: both are told
    const n2 = node(2, [['queued', 0], ['bmc-check', 1], ['boot-override', 4], ['power-cycle', 6]], { job: 'job-1' });
    const second = plainChanges({ job: job(), nodes: [n2] }, first.state, new Date(T0 + 7000));
    expect(second.lines).to.deep.equal(['node-02: bmc-check → boot-override (3s)', 'node-02: boot-override → power-cycle (2s)']);
    expect(plainChanges({ job: job(), nodes: [n2] }, second.state, new Date(T0 + 8000)).lines).to.deep.equal([]);
  });

  it('plain mode: a problem, the message, the counts and the job\'s end each get a line', () => {
    const s1 = plainChanges({ job: job({ message: 'checking BMCs' }), nodes: [node(3, [['dhcp', 5]], { job: 'job-1' })] }, initialPlainState(), new Date(T0 + 6000)).state;
    const failed = node(3, [['dhcp', 5], ['failed', 95]], { job: 'job-1', error: { step: 'dhcp', message: 'no DHCP request within 90 s', hint: 'check the cabling', at: 95 } });
    const r = plainChanges({ job: job({ message: 'node-03 failed', progress: { total: 3, ready: 0, failed: 1, excluded: 0 } }), nodes: [failed] }, s1, NOW);
    expect(r.lines).to.deep.equal([
      'bootstrap job-1: node-03 failed',
      'node-03: dhcp → failed (1m30s)',
      'node-03: problem in dhcp: no DHCP request within 90 s',
      '[xxxxxxx.............] 0/3 ready, 1 failed',
    ]);
    const end = plainChanges({ job: job({ state: 'failed', finishedAt: at(100), message: 'node-03 failed', progress: { total: 3, ready: 0, failed: 1, excluded: 0 } }), nodes: [failed] }, r.state, NOW);
    expect(end.lines).to.deep.equal(['bootstrap job-1: failed for 1m40s: node-03 failed']);
  });

  it('plain mode: history that rolled past the last line seen is told from the last time seen', () => {
    const s1 = plainChanges({ job: job(), nodes: [node(2, [['dhcp', 10]], { job: 'job-1' })] }, initialPlainState(), NOW).state;
    const rolled = node(2, [['kernel', 30], ['install-ignition', 40]], { job: 'job-1' });
    expect(plainChanges({ job: job(), nodes: [rolled] }, s1, NOW).lines).to.deep.equal(['node-02: dhcp → kernel (20s)', 'node-02: kernel → install-ignition (10s)']);
  });

  it('plain mode: transitions of several nodes come in the order they happened', () => {
    const v = (a: [never, number][], b: [never, number][]) => ({ job: job(), nodes: [node(2, a, { job: 'job-1' }), node(3, b, { job: 'job-1' })] });
    const s1 = plainChanges(v([['queued', 0]] as [never, number][], [['queued', 0]] as [never, number][]), initialPlainState(), NOW).state;
    const r = plainChanges(v([['queued', 0], ['bmc-check', 2], ['dhcp', 9]] as [never, number][], [['queued', 0], ['bmc-check', 5]] as [never, number][]), s1, NOW);
    expect(r.lines).to.deep.equal(['node-02: queued → bmc-check (2s)', 'node-03: queued → bmc-check (5s)', 'node-02: bmc-check → dhcp (7s)']);
  });
});
