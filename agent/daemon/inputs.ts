/**
 * What every subsystem is built from: the configuration and the inventory. Loaded at start and on
 * every reload; `changedInputs` tells which services a reload concerns, so nothing whose inputs
 * stayed the same is touched.
 */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Env } from '../config/paths.js';
import { loadInventory, type Inventory } from '../inventory/inventory.js';
import { savePersistedPlan } from '../inventory/address-store.js';
import { formatProblem } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { canonical } from '../state/inventory-sync.js';

export interface AgentInputs {
  config: Config;
  inventory: Inventory;
}

/** The inputs a service depends on; a reload that changes none of them leaves the service alone. */
export interface DependsOn {
  config: readonly (keyof Config)[];
  inventory: boolean;
}

export async function loadInputs(o: { configFlag?: string; env: Env; log: Logger }): Promise<AgentInputs> {
  const config = await loadConfig({ flag: o.configFlag, env: o.env });
  const { inventory, warnings } = await loadInventory(config);
  for (const w of warnings) o.log.warn({ file: w.file, line: w.line, field: w.field }, formatProblem(w));
  if (inventory.planToSave !== undefined) await savePersistedPlan(config.paths.stateDir, inventory.planToSave);
  return { config, inventory };
}

/** Everything about the inventory a subsystem could care about, as one comparable string. */
export function inventoryFingerprint(inv: Inventory): string {
  return canonical({
    nodes: inv.nodes.map((n) => ({ row: n.row, primaryMac: n.primaryMac, bmcMac: n.bmcMac, secondaryMac: n.secondaryMac, nodeType: n.nodeType, hostname: n.hostname, address: n.address, bmcAddress: n.bmcAddress, isManagement: n.isManagement })),
    pxeInterface: inv.pxeInterface,
    // Compared, never logged: a new BMC password must reach the BMC layer.
    credentials: inv.credentials,
    subnet: inv.plan.subnet.cidr,
    managementAddress: inv.plan.managementAddress,
    discoveryPool: inv.plan.discoveryPool,
  });
}

/** Whether the inputs a service depends on differ between two loads. */
export function changedInputs(dependsOn: DependsOn, before: AgentInputs, after: AgentInputs): boolean {
  if (dependsOn.inventory && inventoryFingerprint(before.inventory) !== inventoryFingerprint(after.inventory)) return true;
  return dependsOn.config.some((section) => canonical(before.config[section]) !== canonical(after.config[section]));
}
