/**
 * What a server's BMC says about the server, read at a bootstrap's BMC check (and by the BMC poller
 * once per agent start): IPMI FRU 0 (product and board areas) or the Redfish ComputerSystem (which
 * also reports BIOS version, memory and processors). Kept in the node's record next to the install
 * boot's inspection (hardware.ts), checked by this schema whenever the state is read back. The BMC
 * answers before the server has booted anything, so these are the first facts racker has about a
 * server; comparing their serial with the inspection's (serial-match.ts) tells when the BMC and the
 * server are not the same box.
 */
import { z } from 'zod';

const text = z.string().max(128);

export const bmcFactsSchema = z.object({
  at: z.string(),
  /** The driver that read them ('ipmi', 'redfish', ...). */
  driver: z.string().max(16),
  manufacturer: text.optional(),
  model: text.optional(),
  /** The system's serial: FRU product serial, Redfish System SerialNumber. */
  serial: text.optional(),
  partNumber: text.optional(),
  sku: text.optional(),
  biosVersion: text.optional(),
  memoryGiB: z.number().min(0).optional(),
  processorCount: z.number().int().min(0).optional(),
  processorModel: text.optional(),
  uuid: text.optional(),
  boardManufacturer: text.optional(),
  boardProduct: text.optional(),
  boardSerial: text.optional(),
  chassisSerial: text.optional(),
});
export type BmcFacts = z.infer<typeof bmcFactsSchema>;

/** What of the facts is worth an event when it changes between two readings (a board or server swapped, firmware updated). */
export function bmcFactsChanges(before: BmcFacts, after: BmcFacts): string[] {
  const out: string[] = [];
  for (const k of ['manufacturer', 'model', 'serial', 'boardSerial', 'biosVersion'] as const) {
    if (before[k] !== after[k]) out.push(`BMC ${k === 'boardSerial' ? 'board serial' : k === 'biosVersion' ? 'BIOS version' : k} ${before[k] ?? '-'} → ${after[k] ?? '-'}`);
  }
  return out;
}
