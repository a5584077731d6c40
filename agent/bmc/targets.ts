/**
 * Which node a user means and how to reach its BMC. A node is named by any of its MACs (any
 * format), its host name or its row number; the BMC address comes from the address plan (our own
 * DHCP reservation), unless bmc.nodes pins address, port, driver or cipher suite by BMC MAC.
 */
import type { Inventory, RackNode } from '../inventory/inventory.js';
import { nodesNamed, rackNodeNames } from '../inventory/node-ref.js';
import { normalizeMac } from '../lib/mac.js';
import { ErrorCodes, RackerError } from '../lib/errors.js';
import type { Config } from '../config/schema.js';
import type { BmcTarget } from './bmc-client.js';

export type BmcDriverName = 'ipmi' | 'ipmitool' | 'redfish';

/** Everything needed to build a client for one node's BMC. */
export interface NodeBmc {
  node: RackNode;
  driver: BmcDriverName;
  target: BmcTarget;
  cipherSuites: ReadonlyArray<3 | 17>;
  tlsFingerprint: string | undefined;
}

/** Find a node by MAC (primary, BMC or secondary, any format), host name or row number (inventory/node-ref.ts). */
export function findNode(inventory: Inventory, text: string): RackNode {
  const found = nodesNamed(inventory.nodes, text, rackNodeNames)[0];
  if (found === undefined) {
    throw new RackerError(ErrorCodes.notFound, `no node "${text}" in ${inventory.nodesFile}`,
      { hint: 'name a node by a MAC address of its row (primary, BMC or secondary), its host name or its row number (racker status lists them)' });
  }
  return found;
}

/** The BMC connection settings of a node: configuration overrides over the address plan. */
export function nodeBmc(config: Config, inventory: Inventory, node: RackNode): NodeBmc {
  const override = Object.entries(config.bmc.nodes).find(([mac]) => normalizeMac(mac) === node.bmcMac)?.[1];
  const driver = override?.driver ?? config.bmc.driver;
  const address = override?.address ?? node.bmcAddress;
  if (address === undefined) {
    throw new RackerError(ErrorCodes.notFound, `node ${node.hostname} (row ${node.row}) has no BMC address: it is the management node`,
      { hint: `to reach its BMC anyway, pin it in the configuration: bmc.nodes."${node.bmcMac}".address` });
  }
  const port = override?.port ?? (driver === 'redfish' ? 443 : 623);
  return {
    node,
    driver,
    target: {
      node: node.hostname, address, port, user: inventory.credentials.user, password: inventory.credentials.password,
      oemDir: config.paths.oemDir, bmcMac: node.bmcMac, hostMacs: [node.primaryMac, node.secondaryMac], systemUuid: override?.systemUuid,
    },
    cipherSuites: override?.cipherSuite !== undefined ? [override.cipherSuite] : config.bmc.cipherSuites,
    tlsFingerprint: override?.tlsFingerprint,
  };
}
