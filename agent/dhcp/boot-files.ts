/** Which of the configured iPXE boot files exist in dhcp.ipxeDir (the TFTP root). */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, RackerError, isENOENT, errorMessage } from '../lib/errors.js';
import { missingBootFiles, type DhcpSettings } from './render-config.js';

/**
 * What to do about a missing directory or file. The payload's ipxe/ is the default only when racker
 * runs from a payload; a racker run from a checkout on Flatcar needs the setting.
 */
function hint(dhcp: DhcpSettings): string {
  return `install Debian's ipxe package (apt-get install ipxe), or set dhcp.ipxeDir to a directory holding ${dhcp.biosBootFile} and ${dhcp.uefiBootFile} `
    + '(an installed racker ships one: /opt/racker/current/ipxe); dhcp.biosBootFile and dhcp.uefiBootFile name the files';
}

/**
 * The configured boot files that are regular files (symlinks followed: Debian links ipxe.efi to
 * /boot). Throws when dhcp.ipxeDir itself is missing: that is a setting to fix, not a file to add.
 */
export async function findBootFiles(dhcp: DhcpSettings): Promise<Set<string>> {
  const dir = await stat(dhcp.ipxeDir).catch((e: unknown) => {
    if (isENOENT(e)) throw new RackerError(ErrorCodes.dhcp, `dhcp.ipxeDir ${dhcp.ipxeDir} does not exist; nodes could not PXE boot`, { hint: hint(dhcp) });
    throw new RackerError(ErrorCodes.dhcp, `cannot read dhcp.ipxeDir ${dhcp.ipxeDir}: ${errorMessage(e)}`, { cause: e, hint: hint(dhcp) });
  });
  if (!dir.isDirectory()) {
    throw new RackerError(ErrorCodes.dhcp, `dhcp.ipxeDir ${dhcp.ipxeDir} is not a directory; nodes could not PXE boot`, { hint: hint(dhcp) });
  }
  const found = new Set<string>();
  for (const file of new Set([dhcp.biosBootFile, dhcp.uefiBootFile, dhcp.arm64BootFile])) {
    try {
      if ((await stat(join(dhcp.ipxeDir, file))).isFile()) found.add(file);
    } catch {
      /* absent or unreadable: reported below for the required ones, arm64 is optional */
    }
  }
  return found;
}

/** Throw when a file every rack needs (BIOS, x86-64 UEFI) is missing; returns `available`. */
export function requireBootFiles(dhcp: DhcpSettings, available: Set<string>): Set<string> {
  const missing = missingBootFiles(dhcp, available);
  if (missing.length > 0) {
    throw new RackerError(ErrorCodes.dhcp, `the iPXE boot file${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in dhcp.ipxeDir ${dhcp.ipxeDir}; nodes could not PXE boot`,
      { hint: hint(dhcp) });
  }
  return available;
}
