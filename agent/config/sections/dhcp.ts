/** `dhcp:` how racker runs dnsmasq on the internal network. */
import { z } from 'zod';
import { isIpv4 } from '../../lib/ipv4.js';

const ipv4 = z.string().refine(isIpv4, 'must be an IPv4 address');

export const dhcpSection = z.strictObject({
  /** `binary`: dnsmasq as a child process; `container`: through its systemd unit (Flatcar). */
  mode: z.enum(['binary', 'container']).default('binary'),
  /** dnsmasq executable for binary mode. */
  dnsmasqPath: z.string().default('dnsmasq'),
  /** Lease time for reserved addresses, dnsmasq syntax. */
  leaseTime: z.string().regex(/^(\d+[smhd]?|infinite)$/, 'must be dnsmasq lease time like 1h, 30m or infinite').default('1h'),
  /** Serve the rack's host names over DNS (off: dnsmasq runs with port=0). */
  dns: z.boolean().default(false),
  /** Default route pushed to nodes; none unless set. */
  router: ipv4.optional(),
  /** DNS servers pushed to nodes; none unless set. */
  dnsServers: z.array(ipv4).default([]),
  /** Lease addresses to unknown MACs from the discovery pool and report them (factory TUI). */
  discovery: z.boolean().default(false),
  /** Directory holding iPXE's boot files (Debian's ipxe package). */
  ipxeDir: z.string().default('/usr/lib/ipxe'),
});
