/**
 * What a Redfish service says about the server itself, read once and typed: the ComputerSystem's
 * asset fields (manufacturer, model, serial, part number, SKU, BIOS version, memory, processors)
 * and its chassis' (type, serial, part number). `racker ipmi NODE fru` shows them in FRU terms;
 * the hardware inventory reads the same facts. Pure apart from readSystemFacts.
 */
import type { FruInfo } from '../bmc-client.js';
import type { Quirks } from '../quirks.js';
import type { RedfishConnection } from './connection.js';
import { chooseChassis } from './system-choice.js';
import { chassisSchema, type Chassis, type ComputerSystem } from './schemas.js';
import { defined, given, notReported } from './reported.js';

export interface SystemFacts {
  uuid?: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  partNumber?: string;
  sku?: string;
  assetTag?: string;
  biosVersion?: string;
  memoryGiB?: number;
  processorCount?: number;
  processorModel?: string;
  chassis?: { type?: string; manufacturer?: string; model?: string; serial?: string; partNumber?: string };
}

const known = (v: number | null | undefined): number | undefined => (v === undefined || v === null ? undefined : v);

export function systemFactsOf(s: ComputerSystem, c: Chassis | undefined): SystemFacts {
  const chassis = c === undefined ? undefined
    : defined({ type: given(c.ChassisType), manufacturer: given(c.Manufacturer), model: given(c.Model), serial: given(c.SerialNumber), partNumber: given(c.PartNumber) });
  return defined({
    uuid: given(s.UUID), manufacturer: given(s.Manufacturer), model: given(s.Model), serial: given(s.SerialNumber), partNumber: given(s.PartNumber),
    sku: given(s.SKU), assetTag: given(s.AssetTag), biosVersion: given(s.BiosVersion),
    memoryGiB: known(s.MemorySummary?.TotalSystemMemoryGiB), processorCount: known(s.ProcessorSummary?.Count), processorModel: given(s.ProcessorSummary?.Model),
    chassis,
  });
}

/** The facts of the chosen system and its chassis (the system's Links.Chassis, else the service's only one). */
export async function readSystemFacts(conn: RedfishConnection, system: ComputerSystem, quirks: Quirks): Promise<SystemFacts> {
  const chassisUri = await chooseChassis(conn, system, quirks);
  const chassis = chassisUri === undefined ? undefined : (await conn.read(chassisUri, 'read chassis', chassisSchema)).body;
  return systemFactsOf(system, chassis);
}

/** The facts in FRU terms: the system is the product, its chassis the chassis; Redfish has no board area. */
export function fruOf(f: SystemFacts): FruInfo {
  const fru: FruInfo = defined({
    chassisType: f.chassis?.type, chassisSerial: f.chassis?.serial, chassisPartNumber: f.chassis?.partNumber,
    productManufacturer: f.manufacturer, productName: f.model, productSerial: f.serial, productPartNumber: f.partNumber, productAssetTag: f.assetTag,
    productSku: f.sku, biosVersion: f.biosVersion, memoryGiB: f.memoryGiB, processorCount: f.processorCount, processorModel: f.processorModel, systemUuid: f.uuid,
  });
  return {
    ...fru,
    ...notReported(fru, ['chassisType', 'chassisSerial', 'chassisPartNumber', 'productManufacturer', 'productName', 'productSerial', 'productPartNumber',
      'productAssetTag', 'productSku', 'biosVersion', 'memoryGiB', 'processorCount', 'processorModel', 'systemUuid']),
  };
}
