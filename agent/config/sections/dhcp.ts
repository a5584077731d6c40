/** `dhcp:` how racker runs dnsmasq on the internal network. */
import { z } from 'zod';
import { isIpv4 } from '../../lib/ipv4.js';

const ipv4 = z.string().refine(isIpv4, 'must be an IPv4 address');
const leaseTime = z.string().regex(/^(\d+[smhdw]?|infinite)$/, 'must be a dnsmasq lease time like 1h, 30m or infinite');
/** A file below dhcp.ipxeDir, served over TFTP: no "..", no leading "/", nothing dnsmasq would split on. */
const bootFile = z.string().regex(/^(?!.*\.\.)[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a file name below dhcp.ipxeDir, like ipxe.efi');
const unitName = z.string().regex(/^[A-Za-z0-9:_.@-]+\.service$/, 'must be a systemd service name like racker-dnsmasq.service');

/** `ipxeDirDefault`: see ../ipxe-dir.ts (the payload's own files, or Debian's). */
export function dhcpSection(ipxeDirDefault: string) {
  return z.strictObject({
    /** Serve DHCP/TFTP on the internal network; off where the site's own DHCP server points nodes at racker. */
    enabled: z.boolean().default(true),
    /**
     * `binary`: dnsmasq as a child process; `container`: through its systemd unit (Flatcar, which
     * ships no dnsmasq); `auto`: binary when dnsmasqPath is an executable (found on PATH), else container.
     */
    mode: z.enum(['auto', 'binary', 'container']).default('auto'),
    /** dnsmasq executable for binary mode. */
    dnsmasqPath: z.string().default('dnsmasq'),
    /** systemd unit that runs the dnsmasq container (container mode); it must read racker's dnsmasq.conf. */
    unit: unitName.default('racker-dnsmasq.service'),
    /** Lease time for reserved addresses, dnsmasq syntax. */
    leaseTime: leaseTime.default('1h'),
    /** Serve the rack's host names over DNS (off: dnsmasq runs with port=0). */
    dns: z.boolean().default(false),
    /** Default route pushed to nodes; none unless set. */
    router: ipv4.optional(),
    /** DNS servers pushed to nodes; none unless set. */
    dnsServers: z.array(ipv4).default([]),
    /** Lease addresses to unknown MACs from the discovery pool and report them (factory TUI). */
    discovery: z.boolean().default(false),
    /** Lease time in the discovery pool: short, so a MAC that gets a reservation moves over soon. */
    discoveryLeaseTime: leaseTime.default('2m'),
    /** Directory holding iPXE's boot files; it is the TFTP root. Default: the payload's ipxe/, or Debian's /usr/lib/ipxe. */
    ipxeDir: z.string().regex(/^\//, 'must be an absolute path').default(ipxeDirDefault),
    /** Boot file for legacy BIOS PXE (client architecture 0). */
    biosBootFile: bootFile.default('undionly.kpxe'),
    /** Boot file for x86-64 UEFI (client architectures 7 and 9): ipxe.efi has its own drivers, snponly.efi uses the firmware's. */
    uefiBootFile: bootFile.default('ipxe.efi'),
    /** Boot file for arm64 UEFI (client architecture 11); offered only when it exists in ipxeDir. */
    arm64BootFile: bootFile.default('ipxe-arm64.efi'),
    /** Delay before the first restart of a dnsmasq that died; doubles up to restartMaxDelayMs. */
    restartMinDelayMs: z.number().int().min(10).max(60_000).default(500),
    restartMaxDelayMs: z.number().int().min(10).max(600_000).default(30_000),
  }).superRefine((d, ctx) => {
    if (d.restartMaxDelayMs < d.restartMinDelayMs) {
      ctx.addIssue({ code: 'custom', path: ['restartMaxDelayMs'], message: `must be at least restartMinDelayMs (${d.restartMinDelayMs})` });
    }
  });
}
