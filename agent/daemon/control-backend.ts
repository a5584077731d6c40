/** The agent as the control API sees it (routes.ts ControlBackend), over the agent's parts. */
import { ErrorCodes, RackerError, ValidationError, type Problem } from '../lib/errors.js';
import { nodesNamed, type NodeNames } from '../inventory/node-ref.js';
import type { AgentInfo, ControlBackend, ReloadResult } from '../api/routes.js';
import type { BootstrapRequest } from '../api/requests.js';
import type { EventLog } from '../state/event-log.js';
import type { DiscoveredMacs } from '../state/discovered-macs.js';
import type { NodeRecord } from '../state/records.js';
import type { StateStore } from '../state/state-store.js';
import type { HealthMonitor } from './health.js';
import type { JobManager } from './jobs.js';

export interface BackendParts {
  store: StateStore;
  events: EventLog;
  discovery: DiscoveredMacs;
  jobs: JobManager;
  health: HealthMonitor;
  info: () => Omit<AgentInfo, 'stateGeneration' | 'lastEventSeq'>;
  reload: () => Promise<ReloadResult>;
}

export function createControlBackend(p: BackendParts): ControlBackend {
  const findNode = (id: string): NodeRecord | undefined => findNodeIn(p.store.nodes(), id);
  return {
    info: () => ({ ...p.info(), stateGeneration: p.store.generation, lastEventSeq: p.events.lastSeq }),
    health: () => p.health.report(),
    nodes: () => p.store.nodes(),
    findNode,
    readEvents: (q) => p.events.read(q),
    discoveredMacs: () => p.discovery.list(),
    subscribeEvents: (l) => p.events.subscribe(l),
    jobs: p.jobs,
    countRequestNodes: (request) => countRequestNodes(p.store.nodes(), request),
    reload: p.reload,
  };
}

/** What a node record can be named by (inventory/node-ref.ts). */
export const recordNames = (n: NodeRecord): NodeNames => ({ macs: [n.mac, n.bmc.mac, n.secondaryMac], hostname: n.hostname, row: n.row });

/** By any of its MACs in any spelling, host name or row (inventory/node-ref.ts); nodes still in nodes.csv win. */
export function findNodeIn(nodes: readonly NodeRecord[], id: string): NodeRecord | undefined {
  const matches = nodesNamed(nodes, id, recordNames);
  return matches.find((n) => n.inInventory) ?? matches[0];
}

/** The nodes a bootstrap covers: those named (default every node but the management node) minus the excluded. */
export function countRequestNodes(nodes: readonly NodeRecord[], request: BootstrapRequest): number {
  const problems: Problem[] = [];
  const resolve = (field: string, refs: readonly string[]): Set<string> => {
    const out = new Set<string>();
    refs.forEach((ref, i) => {
      const n = findNodeIn(nodes, ref);
      if (n === undefined || !n.inInventory) problems.push({ file: 'request', field: `${field}.${i}`, message: `"${ref}" is not a node in nodes.csv`, hint: 'use a primary MAC or a host name shown by `racker status`' });
      else if (n.isManagement) problems.push({ file: 'request', field: `${field}.${i}`, message: `"${ref}" is the management node, which racker does not provision` });
      else out.add(n.mac);
    });
    return out;
  };
  const wanted = request.nodes.length === 0 ? new Set(nodes.filter((n) => n.inInventory && !n.isManagement).map((n) => n.mac)) : resolve('nodes', request.nodes);
  const excluded = resolve('exclude', request.exclude);
  if (problems.length > 0) throw new ValidationError(ErrorCodes.badRequest, 'the job request names nodes that cannot be bootstrapped', problems);
  const total = [...wanted].filter((m) => !excluded.has(m)).length;
  if (total === 0) throw new RackerError(ErrorCodes.badRequest, 'the job request leaves no node to bootstrap', { hint: 'check nodes and exclude' });
  return total;
}
