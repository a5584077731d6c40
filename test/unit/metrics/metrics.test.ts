import { expect } from 'chai';
import { createMetrics } from '../../../agent/metrics/metrics.js';
import { applyInventory } from '../../../agent/state/inventory-sync.js';
import type { NodeRecord } from '../../../agent/state/records.js';

const T = '2030-01-01T00:00:00.000Z';

function nodes(): NodeRecord[] {
  const rec = applyInventory({}, [0, 1, 2].map((i) => ({
    primaryMac: `02:00:00:00:00:0${i}`, bmcMac: `02:00:00:00:01:0${i}`, secondaryMac: `02:00:00:00:02:0${i}`, nodeType: 't', row: i,
    hostname: `node-0${i}`, address: 'x', bmcAddress: 'y', isManagement: i === 0,
  })), () => 'ipmi', T).nodes;
  const list = Object.values(rec);
  (list[1] as NodeRecord).phase.name = 'provisioned';
  (list[1] as NodeRecord).bmc.reachable = true;
  (list[1] as NodeRecord).power.state = 'on';
  (list[2] as NodeRecord).bmc.reachable = false;
  return list;
}

describe('metrics', () => {
  it('exposes node phases, BMC reachability and power from the state, management node excluded', async () => {
    const m = createMetrics({ nodes }, { processMetrics: false });
    const text = await m.registry.metrics();
    expect(text).to.include('racker_nodes{phase="provisioned"} 1');
    expect(text).to.include('racker_nodes{phase="new"} 1');
    expect(text).to.include('racker_nodes{phase="failed"} 0');
    expect(text).not.to.include('phase="management"');
    expect(text).to.include('racker_bmc_reachable{node="node-01",mac="02:00:00:00:00:01"} 1');
    expect(text).to.include('racker_bmc_reachable{node="node-02",mac="02:00:00:00:00:02"} 0');
    expect(text).to.include('racker_node_power{state="on"} 1');
    expect(text).to.include('racker_node_power{state="unknown"} 1');
  });

  it('counts DHCP and boot requests and observes BMC commands and jobs', async () => {
    const m = createMetrics({ nodes: () => [] }, { processMetrics: false });
    m.countDhcpRequest('discover');
    m.countDhcpRequest('discover');
    m.countBootRequest('/boot.ipxe', 200);
    m.observeBmcCommand('power-status', 0.04, true);
    m.observeJob('bootstrap', 'succeeded', 700);
    const text = await m.registry.metrics();
    expect(text).to.include('racker_dhcp_requests_total{type="discover"} 2');
    expect(text).to.include('racker_boot_requests_total{endpoint="/boot.ipxe",status="200"} 1');
    expect(text).to.include('racker_bmc_command_duration_seconds_bucket{le="0.05",command="power-status",outcome="ok"} 1');
    expect(text).to.include('racker_job_duration_seconds_count{kind="bootstrap",outcome="succeeded"} 1');
  });
});
