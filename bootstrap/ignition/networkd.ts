/**
 * systemd-networkd units for a node, matched by MAC (interface names differ between the installer
 * and the installed system, and between hardware generations; MACs do not). The internal NIC gets
 * its planned address statically and no default route (the management node is not a router); the
 * public NIC gets DHCP or its static addresses, gateways and DNS servers.
 */
import type { StaticAddressing } from '../static-addresses.js';

export function internalNetwork(mac: string, address: string, prefix: number): string {
  return [
    '# The rack-internal network (racker): static address from the rack\'s address plan.',
    '[Match]', `MACAddress=${mac}`, '',
    '[Link]', 'RequiredForOnline=no', '',
    '[Network]', 'DHCP=no', 'LinkLocalAddressing=no', 'IPv6AcceptRA=no', `Address=${address}/${prefix}`, '',
  ].join('\n');
}

export function publicNetwork(mac: string, s: StaticAddressing | undefined): string {
  const head = ['[Match]', `MACAddress=${mac}`, ''];
  if (s === undefined) {
    return ['# The public network (racker): DHCP.', ...head, '[Network]', 'DHCP=yes', ''].join('\n');
  }
  const hasV6 = s.addresses.some((a) => a.family === 6);
  const lines = ['# The public network (racker): static addresses.', ...head, '[Network]', 'DHCP=no',
    `LinkLocalAddressing=${hasV6 ? 'ipv6' : 'no'}`, `IPv6AcceptRA=no`,
    ...s.addresses.map((a) => `Address=${a.cidr}`),
    ...[s.gateway4, s.gateway6].filter((g): g is string => g !== undefined).map((g) => `Gateway=${g}`),
    ...s.dns.map((d) => `DNS=${d}`), ''];
  return lines.join('\n');
}

export const INTERNAL_NETWORK_FILE = '/etc/systemd/network/00-racker-internal.network';
export const PUBLIC_NETWORK_FILE = '/etc/systemd/network/01-racker-public.network';
