/**
 * The rack as racker sees it: nodes.csv, credentials, the management node and its PXE interface,
 * host names and the address plan, checked together. `inspectInventory` collects every problem
 * (for `factory check`); `loadInventory` throws them as one ValidationError (for everything else).
 */
import { readFile, stat } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { oemFiles } from '../config/paths.js';
import { ErrorCodes, ValidationError, isEACCES, isEISDIR, isENOENT, isRackerError, type Problem, errorMessage } from '../lib/errors.js';
import { parseSubnet, type Subnet } from '../lib/ipv4.js';
import { parseNodesCsv, NODES_CSV_HEADER, type CsvRow } from './nodes-csv.js';
import { readCredentials, type BmcCredentials } from './credentials.js';
import { listLocalInterfaces } from './local-interfaces.js';
import { findManagementNode } from './management-node.js';
import { assignHostnames } from './hostnames.js';
import { planAddresses, type AddressPlan, type PersistedPlan } from './address-plan.js';
import { loadPersistedPlan, savePersistedPlan } from './address-store.js';
import type { Mac } from '../lib/mac.js';

export interface RackNode extends CsvRow {
  hostname: string;
  /** Internal address of the primary NIC (undefined for the management node, whose primary is public). */
  address: string | undefined;
  /** Internal address of the BMC (undefined for the management node). */
  bmcAddress: string | undefined;
  isManagement: boolean;
}

export interface Inventory {
  nodesFile: string;
  /** Every row, management node included, in file order. */
  nodes: readonly RackNode[];
  management: RackNode;
  /** The nodes racker provisions (every row but the management node). */
  workers: readonly RackNode[];
  pxeInterface: string;
  credentials: BmcCredentials;
  plan: AddressPlan;
  /** Save this to keep addresses stable (undefined when nothing changed). */
  planToSave: PersistedPlan | undefined;
}

export interface InventoryReport {
  inventory: Inventory | undefined;
  problems: Problem[];
  warnings: Problem[];
}

/** Check everything, collecting all problems. Reads only; writes nothing. */
export interface InspectOptions {
  /** Start from the persisted address plan (the agent) or plan afresh without reading state (`factory check`). */
  usePersistedPlan?: boolean;
}

export async function inspectInventory(config: Config, options: InspectOptions = {}): Promise<InventoryReport> {
  const files = oemFiles(config.paths.oemDir);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];

  const creds = await readCredentials(config.paths.oemDir);
  problems.push(...creds.problems);
  warnings.push(...creds.warnings);

  const content = await readNodesFile(files.nodesCsv, problems);
  if (content === undefined) return { inventory: undefined, problems, warnings };
  const parsed = parseNodesCsv(content, files.nodesCsv);
  problems.push(...parsed.problems);
  if (parsed.problems.length > 0 || parsed.nodes.length === 0) return { inventory: undefined, problems, warnings };

  const interfaces = await listLocalInterfaces(config.paths.sysClassNet);
  const mgmt = findManagementNode(parsed.nodes, interfaces, files.nodesCsv);
  problems.push(...mgmt.problems);
  const names = assignHostnames(config.network.hostnamePattern, parsed.nodes, files.nodesCsv);
  problems.push(...names.problems);
  if (mgmt.management === undefined || names.problems.length > 0) return { inventory: undefined, problems, warnings };

  const managementRow = mgmt.management.node.row;
  const others = parsed.nodes.filter((n) => n.row !== managementRow);
  const macs: Mac[] = [...others.map((n) => n.primaryMac), ...others.map((n) => n.bmcMac)];
  let planned;
  try {
    const previous = options.usePersistedPlan === false ? undefined : await loadPersistedPlan(config.paths.stateDir);
    planned = planAddresses(parseSubnet(config.network.subnet) as Subnet, macs, config.network.discoveryPoolSize, previous);
  } catch (e) {
    if (!isRackerError(e)) throw e;
    problems.push({ file: config.source ?? '(configuration)', field: 'network.subnet', message: e.message, hint: e.hint });
    return { inventory: undefined, problems, warnings };
  }
  if (planned.renumbered) {
    warnings.push({ file: config.source ?? '(configuration)', field: 'network.subnet', message: `the subnet changed to ${config.network.subnet}: every node and BMC gets a new address`, hint: 'BMCs keep their old address until their DHCP lease ends; power-cycle or wait before bootstrapping' });
  }
  if (creds.credentials === undefined) return { inventory: undefined, problems, warnings };

  const nodes: RackNode[] = parsed.nodes.map((n) => ({
    ...n,
    hostname: names.names.get(n.row) as string,
    isManagement: n.row === managementRow,
    address: n.row === managementRow ? undefined : planned.plan.byMac.get(n.primaryMac),
    bmcAddress: n.row === managementRow ? undefined : planned.plan.byMac.get(n.bmcMac),
  }));
  const inventory: Inventory = {
    nodesFile: files.nodesCsv,
    nodes,
    management: nodes.find((n) => n.isManagement) as RackNode,
    workers: nodes.filter((n) => !n.isManagement),
    pxeInterface: mgmt.management.pxeInterface,
    credentials: creds.credentials,
    plan: planned.plan,
    planToSave: planned.changed ? planned.persisted : undefined,
  };
  return { inventory, problems, warnings };
}

/** Load the inventory or throw every problem at once. */
export async function loadInventory(config: Config): Promise<{ inventory: Inventory; warnings: Problem[] }> {
  const report = await inspectInventory(config);
  if (report.inventory === undefined || report.problems.length > 0) {
    throw new ValidationError(ErrorCodes.inventory, `the rack metadata has ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`, report.problems);
  }
  return { inventory: report.inventory, warnings: report.warnings };
}

async function readNodesFile(path: string, problems: Problem[]): Promise<Buffer | undefined> {
  try {
    if ((await stat(path)).isDirectory()) {
      problems.push({ file: path, message: 'is a directory; it must be the rack metadata file', hint: `remove the directory and write the file, starting with "${NODES_CSV_HEADER}"` });
      return undefined;
    }
    return await readFile(path);
  } catch (e) {
    if (isENOENT(e)) problems.push({ file: path, message: 'is missing: the rack metadata has not been written', hint: 'run `racker factory` to write it' });
    else if (isEISDIR(e)) problems.push({ file: path, message: 'is a directory; it must be the rack metadata file' });
    else if (isEACCES(e)) problems.push({ file: path, message: 'cannot be read (permission denied)', hint: 'run as root' });
    else problems.push({ file: path, message: `cannot be read: ${errorMessage(e)}` });
    return undefined;
  }
}

/** Save the address plan when it changed, so the next load gives every MAC the same address. */
export async function persistAddressPlan(config: Config, inventory: Inventory): Promise<boolean> {
  if (inventory.planToSave === undefined) return false;
  await savePersistedPlan(config.paths.stateDir, inventory.planToSave);
  return true;
}
