/**
 * The agent's Prometheus metrics. One registry per agent (not prom-client's global one, so tests
 * and a reload never see stale collectors). Subsystems get the narrow recorder they need
 * (BmcMetrics, DhcpMetrics, BootMetrics, JobMetrics); node gauges are computed from the state at
 * scrape time, so they can never drift from what `racker status` shows.
 *
 * Names follow the Prometheus naming guide (checked by `promtool check metrics` in a test): base
 * units, `_total` on counters, `_info` for build facts, state sets as one series per state with
 * 0/1. Node.js process metrics keep their standard names (`process_*`, `nodejs_*`) so the stock
 * Node.js dashboards and alerts work unchanged. Every name here is documented in docs/monitoring.md
 * and used by the shipped dashboard and alert rules (contrib/monitoring/).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { POWER_STATES, type NodeRecord } from '../state/records.js';
import { NODE_PHASES } from '../state/phases.js';
import type { SensorReading } from '../bmc/bmc-client.js';
import type { ConnectionReport } from '../boot/server.js';

export interface BmcMetrics {
  /** One BMC command (power status, set boot device ...), how long it took and whether it worked. */
  observeBmcCommand(command: string, seconds: number, ok: boolean): void;
  /** A node's latest sensor readings (replacing the previous ones), exported until the node leaves nodes.csv. */
  recordSensors(node: { mac: string }, readings: readonly SensorReading[]): void;
}

export interface DhcpMetrics {
  /** One DHCP message dnsmasq received or sent, by its type (DISCOVER, OFFER, REQUEST, ACK, NAK ...). */
  countDhcpMessage(type: string): void;
  /** A client dnsmasq had no address for (a node of nodes.csv, or an unknown one with the discovery pool full or off). */
  countDhcpNoAddress(client: 'inventory' | 'unknown'): void;
}

export interface BootMetrics {
  /** One request to the boot service, by endpoint (/boot.ipxe, /ipxe, /ignition, /assets ...) and HTTP status. */
  countBootRequest(endpoint: string, status: number): void;
  /** Where the boot service's connection figures are read at scrape time (undefined: not running). */
  watchBootConnections(report: () => ConnectionReport | undefined): void;
}

export interface JobMetrics {
  observeJob(kind: string, outcome: string, seconds: number): void;
}

export type AgentMetrics = BmcMetrics & DhcpMetrics & BootMetrics & JobMetrics & { readonly registry: Registry };

/** Where node gauges come from. */
export interface NodeSource {
  nodes(): readonly NodeRecord[];
}

export interface MetricsOptions {
  /** Node.js process metrics (off in unit tests, whose numbers would be noise). */
  processMetrics?: boolean;
  /** racker's version, for racker_build_info. */
  version?: string;
  /** Each waiting phase's deadline in seconds (from the configuration), for alerts on stuck nodes. */
  phaseDeadlines?: () => Readonly<Record<string, number>>;
}

/** Messages a DHCP server sends; every other type is one it received from a client. */
const DHCP_REPLIES: ReadonlySet<string> = new Set(['OFFER', 'ACK', 'NAK']);

const GAUGED_PHASES = NODE_PHASES.filter((p) => p !== 'management');

/** Sensor readings exported as values, by the unit the BMC layer normalises them to. */
const SENSOR_GAUGES: readonly { unit: string; name: string; help: string }[] = [
  { unit: '°C', name: 'racker_bmc_temperature_celsius', help: 'Temperature sensors read from each node\'s BMC.' },
  { unit: 'RPM', name: 'racker_bmc_fan_speed_rpm', help: 'Fan speeds read from each node\'s BMC.' },
  { unit: 'V', name: 'racker_bmc_voltage_volts', help: 'Voltages read from each node\'s BMC.' },
  { unit: 'W', name: 'racker_bmc_power_watts', help: 'Power readings from each node\'s BMC.' },
  { unit: 'A', name: 'racker_bmc_current_amperes', help: 'Currents read from each node\'s BMC.' },
];

/** racker_bmc_sensor_state's values: what the BMC says of each threshold sensor. */
const SENSOR_STATES: Readonly<Partial<Record<SensorReading['status'], number>>> = { ok: 0, warning: 1, critical: 2 };

export function createMetrics(source: NodeSource, options: MetricsOptions = {}): AgentMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const inventoryNodes = (): NodeRecord[] => source.nodes().filter((n) => n.inInventory && !n.isManagement);

  new Gauge({
    name: 'racker_build_info', help: 'Always 1; the labels say which racker and which Node.js run the agent.', labelNames: ['version', 'nodejs'], registers: [registry],
  }).set({ version: options.version ?? 'unknown', nodejs: process.versions.node }, 1);

  new Gauge({
    name: 'racker_nodes', help: 'Nodes in nodes.csv (management node excluded) by provisioning phase.', labelNames: ['phase'], registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>(GAUGED_PHASES.map((p) => [p, 0]));
      for (const n of inventoryNodes()) counts.set(n.phase.name, (counts.get(n.phase.name) ?? 0) + 1);
      for (const [phase, count] of counts) this.set({ phase }, count);
    },
  });
  new Gauge({
    name: 'racker_node_phase', help: 'Each node\'s provisioning phase as a state set: 1 for the phase it is in, 0 for every other.', labelNames: ['node', 'phase'], registers: [registry],
    collect() {
      this.reset();
      for (const n of inventoryNodes()) for (const phase of GAUGED_PHASES) this.set({ node: n.hostname, phase }, n.phase.name === phase ? 1 : 0);
    },
  });
  new Gauge({
    name: 'racker_node_phase_since_seconds', help: 'When each node entered its current phase (Unix time); the phase label names that phase.', labelNames: ['node', 'phase'], registers: [registry],
    collect() {
      this.reset();
      for (const n of inventoryNodes()) this.set({ node: n.hostname, phase: n.phase.name }, Date.parse(n.phase.since) / 1000);
    },
  });
  new Gauge({
    name: 'racker_phase_deadline_seconds', help: 'How long a node may wait in a phase before racker escalates (configuration bootstrap.deadlines).', labelNames: ['phase'], registers: [registry],
    collect() {
      this.reset();
      for (const [phase, seconds] of Object.entries(options.phaseDeadlines?.() ?? {})) this.set({ phase }, seconds);
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
    name: 'racker_node_power_state', help: 'Each node\'s last known power state as a state set (on, off, unknown).', labelNames: ['node', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const n of inventoryNodes()) for (const state of POWER_STATES) this.set({ node: n.hostname, state }, n.power.state === state ? 1 : 0);
    },
  });
  const sensors = new Map<string, readonly SensorReading[]>();
  /** Readings of nodes still in the inventory, with their node's current host name. */
  const sensorRows = function* (): Generator<{ node: string; reading: SensorReading }> {
    for (const n of inventoryNodes()) for (const reading of sensors.get(n.mac) ?? []) yield { node: n.hostname, reading };
  };
  for (const g of SENSOR_GAUGES) {
    new Gauge({
      name: g.name, help: g.help, labelNames: ['node', 'sensor'], registers: [registry],
      collect() {
        this.reset();
        for (const { node, reading } of sensorRows()) if (reading.unit === g.unit && reading.value !== undefined) this.set({ node, sensor: reading.name }, reading.value);
      },
    });
  }
  new Gauge({
    name: 'racker_bmc_sensor_state', help: 'What each node\'s BMC says of a threshold sensor: 0 ok, 1 warning (non-critical), 2 critical.', labelNames: ['node', 'sensor', 'type'], registers: [registry],
    collect() {
      this.reset();
      for (const { node, reading } of sensorRows()) {
        const state = SENSOR_STATES[reading.status];
        if (state !== undefined) this.set({ node, sensor: reading.name, type: reading.type }, state);
      }
    },
  });
  const bmcLatency = new Histogram({
    name: 'racker_bmc_command_duration_seconds', help: 'BMC command latency, by command and outcome.', labelNames: ['command', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
  });
  const dhcp = new Counter({
    name: 'racker_dhcp_messages_total', help: 'DHCP messages on the internal network, by type and direction (received from clients, sent by dnsmasq).',
    labelNames: ['type', 'direction'], registers: [registry],
  });
  const noAddress = new Counter({
    name: 'racker_dhcp_no_address_total', help: 'DHCP requests dnsmasq answered with "no address available", by client: a node of nodes.csv (inventory) or any other (unknown).',
    labelNames: ['client'], registers: [registry],
  });
  const boot = new Counter({ name: 'racker_boot_requests_total', help: 'Boot service requests, by endpoint and HTTP status.', labelNames: ['endpoint', 'status'], registers: [registry] });
  const jobs = new Histogram({
    name: 'racker_job_duration_seconds', help: 'How long jobs took, by kind and outcome.', labelNames: ['kind', 'outcome'],
    buckets: [30, 60, 120, 300, 600, 1200, 1800, 3600, 7200], registers: [registry],
  });

  let bootConnections: () => ConnectionReport | undefined = () => undefined;
  new Gauge({
    name: 'racker_boot_connections', help: 'Boot service connections open now, and the most one client address holds.', labelNames: ['of'], registers: [registry],
    collect() {
      this.reset();
      const r = bootConnections();
      if (r === undefined) return;
      this.set({ of: 'all' }, r.open);
      this.set({ of: 'largest-client' }, r.largestShare);
    },
  });
  new Gauge({
    name: 'racker_boot_connections_closed', help: 'Boot connections the service refused or closed itself since it started, by reason (refused, evicted, pipelined, buffered, idle).',
    labelNames: ['reason'], registers: [registry],
    collect() {
      this.reset();
      const r = bootConnections();
      if (r === undefined) return;
      for (const [reason, n] of [['refused', r.refused], ['evicted', r.evicted], ['pipelined', r.cut.pipelined], ['buffered', r.cut.buffered], ['idle', r.cut.idle]] as const) this.set({ reason }, n);
    },
  });

  return {
    registry,
    watchBootConnections: (report) => { bootConnections = report; },
    observeBmcCommand: (command, seconds, ok) => bmcLatency.observe({ command, outcome: ok ? 'ok' : 'error' }, seconds),
    recordSensors: (node, readings) => { sensors.set(node.mac, readings); },
    countDhcpMessage: (type) => dhcp.inc({ type, direction: DHCP_REPLIES.has(type.toUpperCase()) ? 'sent' : 'received' }),
    countDhcpNoAddress: (client) => noAddress.inc({ client }),
    countBootRequest: (endpoint, status) => boot.inc({ endpoint, status: String(status) }),
    observeJob: (kind, outcome, seconds) => jobs.observe({ kind, outcome }, seconds),
  };
}
