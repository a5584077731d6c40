/**
 * answers + inventory → the bootstrap plan: which nodes are provisioned, each one's role, names,
 * internal and BMC addresses (from the inventory's stable address plan) and public addressing.
 * Pure. Matching is exact everywhere (the original grepped substrings: `--exclude` tokens and node
 * types matched inside other fields, original-racker.md §8.11).
 */
import { ErrorCodes, ValidationError, type Problem } from '../agent/lib/errors.js';
import type { Mac } from '../agent/lib/mac.js';
import type { Inventory } from '../agent/inventory/inventory.js';
import { nodesNamed, rackNodeNames, refMac } from '../agent/inventory/node-ref.js';
import type { Answers, ProvisionType } from './answers.js';
import type { StaticAddressing } from './static-addresses.js';

export type Role = 'controller' | 'worker' | 'node';

export interface PlannedNode {
  row: number;
  /** Line of the node's row in nodes.csv. */
  line: number;
  mac: Mac;
  bmcMac: Mac;
  secondaryMac: Mac;
  nodeType: string;
  hostname: string;
  fqdn: string;
  role: Role;
  /** Kubernetes: the controller that runs `kubeadm init`. */
  initController: boolean;
  internalAddress: string;
  bmcAddress: string;
  /** Static public addressing, or undefined for DHCP. */
  public: StaticAddressing | undefined;
  /** The --exclude token that dropped it, if any. */
  excludedBy: string | undefined;
}

export interface BootstrapPlan {
  provision: ProvisionType;
  clusterName: string;
  domain: string;
  /** Internal subnet, e.g. 172.24.213.0/24, and its prefix length. */
  subnet: string;
  prefix: number;
  managementAddress: string;
  /** Kubernetes: the API server name; resolves to every controller's internal address. */
  apiName: string | undefined;
  sshKeys: readonly string[];
  /** Every node but the management node, in nodes.csv order, excluded ones included. */
  nodes: readonly PlannedNode[];
}

export interface PlanInput {
  answers: Answers;
  inventory: Inventory;
  /** --exclude tokens: MAC (any of the three), host name or row (inventory/node-ref.ts). */
  exclude: readonly string[];
  /** Parsed static addresses (publicAddressing static), keyed by secondary MAC. */
  staticAddresses: ReadonlyMap<Mac, StaticAddressing> | undefined;
}

/** The nodes being provisioned (not excluded). */
export function activeNodes(plan: BootstrapPlan): PlannedNode[] {
  return plan.nodes.filter((n) => n.excludedBy === undefined);
}

export function planBootstrap(input: PlanInput): BootstrapPlan {
  const { answers, inventory } = input;
  const problems: Problem[] = [];
  const file = inventory.nodesFile;
  const excludedBy = resolveExcludes(input.exclude, inventory, problems);

  const candidates = inventory.workers.filter((n) => !excludedBy.has(n.row));
  const controllers = new Set<number>();
  if (answers.provision === 'kubernetes') {
    const want = answers.controllers ?? 1;
    const type = answers.controllerType ?? 'any';
    const match = candidates.filter((n) => type === 'any' || n.nodeType.trim().toLowerCase() === type.trim().toLowerCase());
    if (match.length < want) {
      problems.push({ file, field: 'Node Type', message: `${want} controller${want === 1 ? '' : 's'} of type "${type}" needed, ${match.length} found among the nodes being provisioned${match.length > 0 ? ` (lines ${match.map((n) => n.line).join(', ')})` : ''}`,
        hint: '--controller-type takes a node type exactly as in nodes.csv, or any; use --controllers 1 or exclude fewer nodes' });
    }
    for (const n of match.slice(0, want)) controllers.add(n.row);
  }
  if (candidates.length === 0 && problems.length === 0) {
    problems.push({ file, message: 'no node is left to provision', hint: 'check --exclude' });
  }
  if (problems.length > 0) throw new ValidationError(ErrorCodes.plan, 'the bootstrap cannot be planned', problems);

  const firstController = [...controllers][0];
  const nodes: PlannedNode[] = inventory.workers.map((n) => {
    const role: Role = answers.provision === 'flatcar' ? 'node' : controllers.has(n.row) ? 'controller' : 'worker';
    return {
      row: n.row,
      line: n.line,
      mac: n.primaryMac,
      bmcMac: n.bmcMac,
      secondaryMac: n.secondaryMac,
      nodeType: n.nodeType,
      hostname: n.hostname,
      fqdn: `${n.hostname}.${answers.domain}`,
      role,
      initController: n.row === firstController,
      internalAddress: n.address as string,
      bmcAddress: n.bmcAddress as string,
      public: input.staticAddresses?.get(n.secondaryMac),
      excludedBy: excludedBy.get(n.row),
    };
  });
  return {
    provision: answers.provision,
    clusterName: answers.clusterName,
    domain: answers.domain,
    subnet: inventory.plan.subnet.cidr,
    prefix: inventory.plan.subnet.prefix,
    managementAddress: inventory.plan.managementAddress,
    apiName: answers.provision === 'kubernetes' ? `${answers.clusterName}.${answers.domain}` : undefined,
    sshKeys: answers.sshKeys,
    nodes,
  };
}

/** Each token must name exactly one provisionable node; an unknown token is an error, not a no-op. */
function resolveExcludes(tokens: readonly string[], inventory: Inventory, problems: Problem[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const raw of tokens) {
    const token = raw.trim();
    if (token === '') continue;
    const hit = nodesNamed(inventory.nodes, token, rackNodeNames)[0];
    if (hit === undefined) {
      problems.push({ file: '--exclude', field: token, message: `no node has this ${refMac(token) !== undefined ? 'MAC' : /^\d+$/.test(token) ? 'row number' : 'host name'}`, hint: 'give a primary, BMC or secondary MAC, a host name or a row number as `racker status` shows them' });
    } else if (hit.isManagement) {
      problems.push({ file: '--exclude', field: token, message: 'is the management node, which is never provisioned' });
    } else {
      out.set(hit.row, token);
    }
  }
  return out;
}

/** The secondary MACs the static-addresses file may name, and every other MAC for precise errors. */
export function macDirectory(inventory: Inventory): { secondary: Map<Mac, number>; other: Map<Mac, string> } {
  const secondary = new Map<Mac, number>();
  const other = new Map<Mac, string>();
  for (const n of inventory.nodes) {
    if (n.isManagement) {
      for (const m of [n.primaryMac, n.bmcMac, n.secondaryMac]) other.set(m, `management node's MAC (line ${n.line})`);
      continue;
    }
    secondary.set(n.secondaryMac, n.line);
    other.set(n.primaryMac, `primary MAC of line ${n.line}`);
    other.set(n.bmcMac, `BMC MAC of line ${n.line}`);
  }
  return { secondary, other };
}
