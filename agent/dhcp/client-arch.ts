/**
 * PXE client architectures (DHCP option 93, RFC 4578 and the IANA registry) that racker boots,
 * and the dnsmasq tag each one gets. The renderer and the log parser share this table, so a tag
 * seen in dnsmasq's log always maps back to the architecture that set it.
 */

export type ArchFamily = 'bios' | 'uefi-x86-64' | 'uefi-arm64';

export interface ClientArch {
  /** Option 93 value. */
  code: number;
  /** Which boot file it gets. */
  family: ArchFamily;
  /** Human name for logs and the TUI. */
  name: string;
}

export const CLIENT_ARCHES: readonly ClientArch[] = [
  { code: 0, family: 'bios', name: 'x86 BIOS' },
  // 7 is "EFI BC" in RFC 4578 but every x86-64 UEFI firmware in the field sends it (OVMF included).
  { code: 7, family: 'uefi-x86-64', name: 'x86-64 UEFI' },
  { code: 9, family: 'uefi-x86-64', name: 'x86-64 UEFI' },
  { code: 11, family: 'uefi-arm64', name: 'arm64 UEFI' },
];

/** The dnsmasq tag set for a client architecture. */
export function archTag(code: number): string {
  return `arch${code}`;
}

/** The architecture behind a tag, if the tag is one of ours. */
export function archFromTag(tag: string): number | undefined {
  const m = /^arch(\d{1,5})$/.exec(tag);
  return m === null ? undefined : Number(m[1]);
}

/** The architecture a PXE vendor class announces ("PXEClient:Arch:00007:UNDI:003016"). */
export function archFromVendorClass(vendorClass: string): number | undefined {
  const m = /^PXEClient:Arch:(\d{5})/.exec(vendorClass);
  return m === null ? undefined : Number(m[1]);
}

/** Name of an architecture code, known or not. */
export function archName(code: number): string {
  return CLIENT_ARCHES.find((a) => a.code === code)?.name ?? `architecture ${code}`;
}
