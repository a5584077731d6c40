/**
 * The URLs nodes use to reach the agent on the internal network: the boot service (matchbox's HTTP
 * API and /assets), the phone-home endpoint and the installed-OS Ignition. One place, so the
 * generated configs, the profiles and the dry-run agree.
 */
import type { Mac } from '../agent/lib/mac.js';

export interface Endpoints {
  /** http://<management address>:<port> */
  base: string;
  /** Where flatcar-install finds <version>/flatcar_production_image.bin.bz2 and its .sig. */
  flatcarAssets: string;
  phoneHome: string;
}

export const PHONE_HOME_PATH = '/racker/v1/events';

export function endpoints(managementAddress: string, port: number): Endpoints {
  const base = `http://${managementAddress}:${port}`;
  return { base, flatcarAssets: `${base}/assets/flatcar`, phoneHome: `${base}${PHONE_HOME_PATH}` };
}

/** The installed system's Ignition, for the OEM grub.cfg (a concrete MAC; matchbox normalises it). */
export function installedIgnitionUrl(e: Endpoints, mac: Mac): string {
  return `${e.base}/ignition?mac=${mac.replace(/:/g, '-')}&os=installed`;
}

/** The installer's Ignition, for the PXE kernel command line: iPXE fills in the MAC. */
export function installIgnitionUrl(e: Endpoints): string {
  return `${e.base}/ignition?mac=\${mac:hexhyp}`;
}
