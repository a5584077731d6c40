import { expect } from 'chai';
import { statusLine } from '../../../agent/daemon/status-line.js';
import { applyInventory } from '../../../agent/state/inventory-sync.js';
import type { JobRecord, NodeRecord } from '../../../agent/state/records.js';

const T = '2030-01-01T00:00:00.000Z';
const nodes = (): NodeRecord[] => Object.values(applyInventory({}, [0, 1, 2, 3].map((i) => ({
  primaryMac: `02:00:00:00:00:0${i}`, bmcMac: `02:00:00:00:01:0${i}`, secondaryMac: `02:00:00:00:02:0${i}`, nodeType: 't', row: i,
  hostname: `n${i}`, address: 'a', bmcAddress: 'b', isManagement: i === 0,
})), () => 'ipmi', T).nodes);

describe('daemon/status-line', () => {
  it('summarises the rack when no job runs', () => {
    const n = nodes();
    expect(statusLine(n, [])).to.equal('ready: 3 nodes, 0 provisioned');
    (n[1] as NodeRecord).phase.name = 'provisioned';
    (n[2] as NodeRecord).phase.name = 'failed';
    (n[3] as NodeRecord).bmc.reachable = false;
    expect(statusLine(n, [])).to.equal('ready: 3 nodes, 1 provisioned, 1 failed, 1 BMC unreachable');
  });

  it('shows a running bootstrap\'s progress and an open question', () => {
    const job: JobRecord = { id: 'j', kind: 'bootstrap', state: 'running', createdAt: T, request: {}, progress: { total: 40, ready: 12, failed: 1, excluded: 0 } };
    expect(statusLine(nodes(), [job])).to.equal('bootstrapping: 12/40 ready, 1 failed');
    expect(statusLine(nodes(), [{ ...job, state: 'waiting', progress: { ...job.progress, excluded: 2 } }])).to.equal('bootstrapping: 12/40 ready, 1 failed, 2 excluded, waiting for an answer');
    expect(statusLine(nodes(), [{ ...job, state: 'succeeded' }])).to.equal('ready: 3 nodes, 0 provisioned');
  });
});
