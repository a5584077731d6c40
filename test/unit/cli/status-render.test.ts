import { expect } from 'chai';
import { ago, renderStatus, renderTable } from '../../../agent/cli/status-render.js';
import { applyInventory } from '../../../agent/state/inventory-sync.js';
import type { NodeRecord } from '../../../agent/state/records.js';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const T = '2030-01-01T11:00:00.000Z';

function rack(): NodeRecord[] {
  const nodes = Object.values(applyInventory({}, [0, 1, 2].map((i) => ({
    primaryMac: `02:00:00:00:00:0${i}`, bmcMac: `02:00:00:00:01:0${i}`, secondaryMac: `02:00:00:00:02:0${i}`, nodeType: i === 0 ? 'mgmt' : 'purple', row: i + 1,
    hostname: `node-0${i + 1}`, address: i === 0 ? undefined : `10.0.0.${i + 1}`, bmcAddress: i === 0 ? undefined : `10.0.0.${i + 100}`, isManagement: i === 0,
  })), () => 'ipmi', T).nodes);
  const [, a, b] = nodes as [NodeRecord, NodeRecord, NodeRecord];
  a.role = 'controller';
  a.bmc.reachable = true;
  a.power = { state: 'on', since: T };
  a.phase = { name: 'provisioned', since: '2030-01-01T11:55:00.000Z', history: [] };
  b.bmc = { ...b.bmc, reachable: false, failures: 3, lastError: 'timeout' };
  b.phase = { name: 'failed', since: '2030-01-01T11:59:30.000Z', history: [] };
  b.lastError = { step: 'set PXE boot', message: 'the BMC did not answer within 5000 ms, 3 times in a row', hint: 'check its cabling', at: '2030-01-01T11:59:30.000Z' };
  return nodes;
}

describe('cli/status-render', () => {
  it('formats durations', () => {
    expect(ago(undefined, NOW)).to.equal('-');
    expect(ago('2030-01-01T11:59:48.000Z', NOW)).to.equal('12s');
    expect(ago('2030-01-01T11:55:00.000Z', NOW)).to.equal('5m');
    expect(ago('2030-01-01T09:00:00.000Z', NOW)).to.equal('3h');
    expect(ago('2029-12-30T12:00:00.000Z', NOW)).to.equal('2d');
  });

  it('draws one aligned row per node with role/type, MAC, IP, BMC, power, phase, since and last problem', () => {
    expect(renderTable(rack(), NOW, 40).split('\n')).to.deep.equal([
      'NODE     ROLE/TYPE          PRIMARY MAC        INTERNAL IP  BMC  POWER    PHASE        SINCE  LAST PROBLEM',
      'node-01  management/mgmt    02:00:00:00:00:00  -            -    -        management   1h',
      'node-02  controller/purple  02:00:00:00:00:01  10.0.0.2     yes  on       provisioned  5m',
      'node-03  -/purple           02:00:00:00:00:02  10.0.0.3     NO   unknown  failed       30s    set PXE boot: the BMC did not answer wi…',
    ]);
  });

  it('marks the persisted state clearly when the agent is not running', () => {
    const text = renderStatus({ source: 'persisted', offlineReason: 'no one listens on /run/racker/agent.sock', stateFile: '/var/lib/racker/state.json', savedAt: '2030-01-01T11:00:00.000Z', nodes: rack() }, { full: false, now: NOW });
    expect(text.split('\n').slice(0, 2)).to.deep.equal([
      '*** The racker agent is not running (no one listens on /run/racker/agent.sock).',
      '*** Showing the LAST PERSISTED STATE from /var/lib/racker/state.json, saved 2030-01-01T11:00:00.000Z (1h ago); it may be out of date.',
    ]);
    expect(text).to.include('2 nodes: 1 provisioned, 1 failed, 1 BMCs unreachable.');
  });

  it('--full adds BMC details, the hint and recent events per node', () => {
    const nodes = rack();
    const text = renderStatus({ source: 'agent', nodes, events: { '02:00:00:00:00:02': [{ seq: 9, at: '2030-01-01T11:59:30.000Z', type: 'node.phase', level: 'error', message: 'node-03: failed', node: '02:00:00:00:00:02' }] } }, { full: true, now: NOW });
    expect(text).to.include('  BMC:     10.0.0.102 (MAC 02:00:00:00:01:02), driver ipmi, UNREACHABLE (3 failed polls), last seen never');
    expect(text).to.include('           last error: timeout');
    expect(text).to.include('    fix:   check its cabling');
    expect(text).to.include('    2030-01-01 11:59:30  node.phase       node-03: failed');
    expect(text).not.to.include('not running');
  });
});
