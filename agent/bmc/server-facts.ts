/**
 * A BMC's FRU reading (IPMI FRU 0, or the Redfish system and chassis in FRU terms: fruOf in
 * redfish/system-facts.ts) as the node's record keeps it (agent/inventory/bmc-facts.ts): the
 * product area names the system, the board area the mainboard.
 */
import type { FruInfo } from './bmc-client.js';
import type { BmcFacts } from '../inventory/bmc-facts.js';

export function bmcFactsOf(fru: FruInfo, driver: string, at: string): BmcFacts {
  const facts: Record<string, string | number | undefined> = {
    at, driver,
    manufacturer: fru.productManufacturer ?? fru.boardManufacturer,
    model: fru.productName ?? fru.boardProduct,
    serial: fru.productSerial,
    partNumber: fru.productPartNumber ?? fru.boardPartNumber,
    sku: fru.productSku,
    biosVersion: fru.biosVersion,
    memoryGiB: fru.memoryGiB,
    processorCount: fru.processorCount,
    processorModel: fru.processorModel,
    uuid: fru.systemUuid,
    boardManufacturer: fru.boardManufacturer,
    boardProduct: fru.boardProduct,
    boardSerial: fru.boardSerial,
    chassisSerial: fru.chassisSerial,
  };
  // FRU fields are up to 63 bytes (IPMI) but a Redfish service may send anything: bounded as the schema is.
  for (const [k, v] of Object.entries(facts)) {
    const kept = typeof v === 'string' ? v.replace(/[^\x20-\x7e]/g, '').trim().slice(0, 128) : v;
    if (kept === undefined || kept === '') delete facts[k];
    else facts[k] = kept;
  }
  return facts as BmcFacts;
}
