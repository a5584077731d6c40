/**
 * The agent's Prometheus metrics. One registry per agent (not prom-client's global one, so tests
 * and a reload never see stale collectors). Subsystems get the narrow recorder they need
 * (BmcMetrics, DhcpMetrics, BootMetrics, JobMetrics); node gauges are computed from the state at
 * scrape time, so they can never drift from what `racker status` shows.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PHASES, type NodeRecord } from '../state/records.js';

export interface BmcMetrics {
  /** One BMC command (power status, set boot device ...), how long it took and whether it worked. */
  observeBmcCommand(command: string, seconds: number, ok: boolean): void;
}

export interface DhcpMetrics {
  /** One DHCP message handled by dnsmasq, by type (discover, offer, request, ack, nak ...). */
  countDhcpRequest(type: string): void;
}

export interface BootMetrics {
  /** One request to the boot service, by endpoint (/boot.ipxe, /ipxe, /ignition, /assets ...) and HTTP status. */
  countBootRequest(endpoint: string, status: number): void;
}

export interface JobMetrics {
  observeJob(kind: string, outcome: string, seconds: number): void;
}

export type AgentMetrics = BmcMetrics & DhcpMetrics & BootMetrics & JobMetrics & { readonly registry: Registry };

/** Where node gauges come from. */
export interface NodeSource {
  nodes(): readonly NodeRecord[];
}

export function createMetrics(source: NodeSource, options: { processMetrics?: boolean } = {}): AgentMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'racker_agent_' });
  const inventoryNodes = (): NodeRecord[] => source.nodes().filter((n) => n.inInventory && !n.isManagement);

  new Gauge({
    name: 'racker_nodes', help: 'Nodes in nodes.csv (management node excluded) by provisioning phase.', labelNames: ['phase'], registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>(PHASES.filter((p) => p !== 'management').map((p) => [p, 0]));
      for (const n of inventoryNodes()) counts.set(n.phase.name, (counts.get(n.phase.name) ?? 0) + 1);
      for (const [phase, count] of counts) this.set({ phase }, count);
    },
  });
  new Gauge({
    name: 'racker_bmc_reachable', help: 'Whether a node\'s BMC answered its last polls (1) or not (0); absent until the first poll.', labelNames: ['node', 'mac'], registers: [registry],
    collect() {
      this.reset();
      for (const n of inventoryNodes()) if (n.bmc.reachable !== null) this.set({ node: n.hostname, mac: n.mac }, n.bmc.reachable ? 1 : 0);
    },
  });
  new Gauge({
    name: 'racker_node_power', help: 'Nodes by last known power state.', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const counts: Record<string, number> = { on: 0, off: 0, unknown: 0 };
      for (const n of inventoryNodes()) counts[n.power.state] = (counts[n.power.state] ?? 0) + 1;
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  const bmcLatency = new Histogram({
    name: 'racker_bmc_command_duration_seconds', help: 'BMC command latency, by command and outcome.', labelNames: ['command', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
  });
  const dhcp = new Counter({ name: 'racker_dhcp_requests_total', help: 'DHCP messages handled, by type.', labelNames: ['type'], registers: [registry] });
  const boot = new Counter({ name: 'racker_boot_requests_total', help: 'Boot service requests, by endpoint and HTTP status.', labelNames: ['endpoint', 'status'], registers: [registry] });
  const jobs = new Histogram({
    name: 'racker_job_duration_seconds', help: 'How long jobs took, by kind and outcome.', labelNames: ['kind', 'outcome'],
    buckets: [30, 60, 120, 300, 600, 1200, 1800, 3600, 7200], registers: [registry],
  });

  return {
    registry,
    observeBmcCommand: (command, seconds, ok) => bmcLatency.observe({ command, outcome: ok ? 'ok' : 'error' }, seconds),
    countDhcpRequest: (type) => dhcp.inc({ type }),
    countBootRequest: (endpoint, status) => boot.inc({ endpoint, status: String(status) }),
    observeJob: (kind, outcome, seconds) => jobs.observe({ kind, outcome }, seconds),
  };
}
