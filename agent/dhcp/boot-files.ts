/** Which of the configured iPXE boot files exist in dhcp.ipxeDir (the TFTP root). */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, RackerError } from '../lib/errors.js';
import { missingBootFiles, type DhcpSettings } from './render-config.js';

/** The configured boot files that are regular files (symlinks followed: Debian links ipxe.efi to /boot). */
export async function findBootFiles(dhcp: DhcpSettings): Promise<Set<string>> {
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
    throw new RackerError(ErrorCodes.dhcp, `the iPXE boot file${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in ${dhcp.ipxeDir}; nodes could not PXE boot`,
      { hint: 'install Debian\'s ipxe package (apt-get install ipxe), or set dhcp.ipxeDir / dhcp.biosBootFile / dhcp.uefiBootFile' });
  }
  return available;
}
