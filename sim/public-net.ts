/**
 * The rack's public network, as the servers' secondary NICs see it: a DHCP server on the public
 * bridge (dnsmasq in the rack namespace), as a rack's upstream network has one. Without it every
 * server's networkd would wait for a DHCP answer on that NIC and network-online.target (which the
 * phone-home and install units are ordered after) would come two minutes late, at the timeout of
 * systemd-networkd-wait-online. It gives no router and no DNS server: nothing leaves the namespace.
 * Static public addresses for tests are taken from the same subnet, below the DHCP range.
 */
import { join } from 'node:path';
import type { RackSpec } from './rack-spec.js';
import { spawnDetached } from './bmc.js';

/** 198.18.0.0/15 is reserved for tests of network equipment (RFC 2544): never a real upstream. */
export const PUBLIC_PREFIX = 24;
export const PUBLIC_GATEWAY = '198.18.0.1';
export const PUBLIC_DHCP_RANGE = ['198.18.0.100', '198.18.0.199'] as const;

/** A static public address for row `row` of nodes.csv (outside the DHCP range). */
export function publicStaticAddress(row: number): string {
  return `198.18.0.${10 + row}`;
}

/** `ip -batch` line giving the public bridge the DHCP server's address. */
export function publicBridgeAddressCommand(spec: RackSpec): string {
  return `addr add ${PUBLIC_GATEWAY}/${PUBLIC_PREFIX} dev ${spec.publicBridge}`;
}

/** dnsmasq's argv: DHCP only (no DNS), on the public bridge only, leases in memory, log to stderr. */
export function publicDhcpArgs(spec: RackSpec, rackDir: string): string[] {
  return [
    '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--bind-interfaces', `--interface=${spec.publicBridge}`,
    `--dhcp-range=${PUBLIC_DHCP_RANGE[0]},${PUBLIC_DHCP_RANGE[1]},255.255.255.0,12h`,
    // No router (option 3) and no DNS server (option 6): the public network leads nowhere.
    '--dhcp-option=3', '--dhcp-option=6',
    '--leasefile-ro', '--log-facility=-', '--log-dhcp', `--pid-file=${join(rackDir, 'public-dhcp.pid')}`,
  ];
}

/** Start it in the rack namespace; destroy ends it with every process of that namespace. */
export function startPublicDhcp(spec: RackSpec, rackDir: string): Promise<number> {
  return spawnDetached('ip', ['netns', 'exec', spec.netns, 'dnsmasq', ...publicDhcpArgs(spec, rackDir)], join(rackDir, 'public-dhcp.log'));
}
