/**
 * Whether the server behind a node's BMC is the server that booted as that node: the serial the
 * BMC reports (bmc-facts.ts) against the one the install boot read from SMBIOS (hardware.ts). They
 * disagree when the wrong server is cabled to that BMC, or the row's MACs belong to another server.
 * Only real serials count: boards ship with placeholders ("To Be Filled By O.E.M.", "Default
 * string", "0", ...) in SMBIOS or FRU, which say nothing. Zod-free, as `racker status` loads it.
 */
import type { BmcFacts } from './bmc-facts.js';
import type { NodeHardware } from './hardware.js';

/** Vendors' "no serial here" texts, compared without case, spaces or punctuation. */
const PLACEHOLDERS = new Set([
  'tobefilledbyoem', 'defaultstring', 'systemserialnumber', 'chassisserialnumber', 'baseboardserialnumber', 'notspecified',
  'notapplicable', 'notavailable', 'none', 'na', 'unknown', 'empty', 'invalid', 'serial', 'serialnumber', 'oem', 'xxxxxxxxxx',
  '0123456789', '123456789', '1234567890',
]);

const squashed = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A serial that names a machine: not empty, not all one digit or letter (0000, FFFF, xxxx), not a placeholder. */
export function realSerial(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  const q = squashed(t);
  if (q === '' || /^(.)\1*$/.test(q) || PLACEHOLDERS.has(q)) return undefined;
  return t;
}

export interface SerialMismatch {
  bmc: string;
  smbios: string;
  message: string;
}

/**
 * A mismatch when both sides have a real serial and the SMBIOS one is none of the BMC's (system,
 * chassis or board serial: vendors put the one SMBIOS shows in any of them). Undefined otherwise.
 */
export function serialMismatch(bmc: BmcFacts | undefined, hw: NodeHardware | undefined): SerialMismatch | undefined {
  if (bmc === undefined || hw === undefined) return undefined;
  const smbios = realSerial(hw.system.serial);
  const bmcSerial = realSerial(bmc.serial) ?? realSerial(bmc.chassisSerial);
  if (smbios === undefined || bmcSerial === undefined) return undefined;
  const theirs = [bmc.serial, bmc.chassisSerial, bmc.boardSerial].map(realSerial).filter((s) => s !== undefined).map(squashed);
  if (theirs.includes(squashed(smbios))) return undefined;
  return {
    bmc: bmcSerial, smbios,
    message: `the BMC reports serial ${bmcSerial} but the server that booted as this node reports ${smbios} (SMBIOS): the wrong server is cabled to this BMC, or the row's MACs belong to another server`,
  };
}
