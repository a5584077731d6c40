/**
 * The read-back check every driver applies after setting a boot override: some BMCs answer
 * "success" and ignore the request (ipmitool even exits 0 on a rejection), so the device is
 * always read back. A different device is an error; other differences are reported to the caller.
 */
import type { BootFlags, BootOverride, BootSetResult } from './bmc-client.js';
import { bmcFailure, type BmcWhere } from './errors.js';

export function compareBootFlags(where: BmcWhere, requested: BootOverride, readBack: BootFlags): BootSetResult {
  if (readBack.device !== requested.device) {
    throw bmcFailure(where, 'read back boot flags', `asked for boot device ${requested.device}, the BMC reports ${readBack.device}${readBack.raw === undefined ? '' : ` (${readBack.raw})`}`,
      'the BMC ignored the boot override; try the ipmitool or redfish driver for this node (bmc.nodes) or set the boot order in its firmware setup');
  }
  const mismatches: BootSetResult['mismatches'] = [];
  if (!readBack.valid) mismatches.push('valid');
  if (readBack.persistent !== requested.persistent) mismatches.push('persistent');
  if (readBack.efi !== requested.efi) mismatches.push('efi');
  return { requested, readBack, mismatches };
}

/** "pxe, persistent, UEFI" */
export function describeOverride(o: BootOverride): string {
  return `${o.device}, ${o.persistent ? 'persistent' : 'next boot only'}, ${o.efi ? 'UEFI' : 'legacy BIOS'}`;
}
