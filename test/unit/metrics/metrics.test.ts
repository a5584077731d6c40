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
    expect(text).to.include('racker_node_power_state{node="node-01",state="on"} 1');
    expect(text).to.include('racker_node_power_state{node="node-01",state="off"} 0');
    expect(text).to.include('racker_node_power_state{node="node-02",state="unknown"} 1');
  });

  it('shows each node\'s phase as a state set, when it entered it, and the configured deadlines', async () => {
    const list = nodes();
    (list[2] as NodeRecord).phase.name = 'dhcp';
    (list[2] as NodeRecord).phase.since = '2030-01-01T00:01:40.000Z';
    const m = createMetrics({ nodes: () => list }, { processMetrics: false, phaseDeadlines: () => ({ dhcp: 300, reboot: 600 }) });
    const text = await m.registry.metrics();
    expect(text).to.include('racker_node_phase{node="node-02",phase="dhcp"} 1');
    expect(text).to.include('racker_node_phase{node="node-02",phase="provisioned"} 0');
    expect(text).to.include('racker_node_phase{node="node-01",phase="provisioned"} 1');
    expect(text).not.to.match(/racker_node_phase\{[^}]*phase="management"/);
    expect(text).to.include(`racker_node_phase_since_seconds{node="node-02",phase="dhcp"} ${Date.parse('2030-01-01T00:01:40.000Z') / 1000}`);
    expect(text).to.include('racker_phase_deadline_seconds{phase="dhcp"} 300');
    expect(text).to.include('racker_phase_deadline_seconds{phase="reboot"} 600');
  });

  it('says which racker and Node.js run the agent', async () => {
    const text = await createMetrics({ nodes: () => [] }, { processMetrics: false, version: '1.2.3' }).registry.metrics();
    expect(text).to.include(`racker_build_info{version="1.2.3",nodejs="${process.versions.node}"} 1`);
  });

  it('counts DHCP and boot requests and observes BMC commands and jobs', async () => {
    const m = createMetrics({ nodes: () => [] }, { processMetrics: false });
    m.countDhcpMessage('DISCOVER');
    m.countDhcpMessage('DISCOVER');
    m.countDhcpMessage('OFFER');
    m.countBootRequest('/boot.ipxe', 200);
    m.observeBmcCommand('power-status', 0.04, true);
    m.observeJob('bootstrap', 'succeeded', 700);
    const text = await m.registry.metrics();
    expect(text).to.include('racker_dhcp_messages_total{type="DISCOVER",direction="received"} 2');
    expect(text).to.include('racker_dhcp_messages_total{type="OFFER",direction="sent"} 1');
    expect(text).to.include('racker_boot_requests_total{endpoint="/boot.ipxe",status="200"} 1');
    expect(text).to.include('racker_bmc_command_duration_seconds_bucket{le="0.05",command="power-status",outcome="ok"} 1');
    expect(text).to.include('racker_job_duration_seconds_count{kind="bootstrap",outcome="succeeded"} 1');
  });

  it('exports the sensors the poller read, by unit, with each threshold sensor\'s state, until the node leaves nodes.csv', async () => {
    let list = nodes();
    const m = createMetrics({ nodes: () => list }, { processMetrics: false });
    m.recordSensors({ mac: '02:00:00:00:00:01' }, [
      { name: 'CPU Temp', type: 'temperature', value: 41.5, unit: '°C', status: 'ok' },
      { name: 'Fan1', type: 'fan', value: 5400, unit: 'RPM', status: 'critical' },
      { name: '12V', type: 'voltage', value: 12.1, unit: 'V', status: 'warning' },
      { name: 'PSU1', type: 'power', value: 180, unit: 'W', status: 'ok' },
      { name: 'Door', type: 'physical security', value: undefined, unit: '', status: 'discrete' },
    ]);
    let text = await m.registry.metrics();
    expect(text).to.include('racker_bmc_temperature_celsius{node="node-01",sensor="CPU Temp"} 41.5');
    expect(text).to.include('racker_bmc_fan_speed_rpm{node="node-01",sensor="Fan1"} 5400');
    expect(text).to.include('racker_bmc_voltage_volts{node="node-01",sensor="12V"} 12.1');
    expect(text).to.include('racker_bmc_power_watts{node="node-01",sensor="PSU1"} 180');
    expect(text).to.include('racker_bmc_sensor_state{node="node-01",sensor="Fan1",type="fan"} 2');
    expect(text).to.include('racker_bmc_sensor_state{node="node-01",sensor="12V",type="voltage"} 1');
    expect(text).not.to.include('sensor="Door"');
    list = list.map((n) => (n.mac === '02:00:00:00:00:01' ? { ...n, inInventory: false } : n));
    text = await m.registry.metrics();
    expect(text).not.to.include('node="node-01",sensor=');
  });

  it('counts DHCP requests that got no address, by whether the client is in nodes.csv', async () => {
    const m = createMetrics({ nodes: () => [] }, { processMetrics: false });
    m.countDhcpNoAddress('inventory');
    m.countDhcpNoAddress('unknown');
    m.countDhcpNoAddress('unknown');
    const text = await m.registry.metrics();
    expect(text).to.include('racker_dhcp_no_address_total{client="inventory"} 1');
    expect(text).to.include('racker_dhcp_no_address_total{client="unknown"} 2');
  });
});
