/**
 * IPv4 and IPv6 addresses with prefixes, for the public (static) addressing of nodes. Parsing
 * returns a reason string on failure so validators can show it next to the file and line.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { parseIpv4, formatIpv4 } from '../agent/lib/ipv4.js';

export type Family = 4 | 6;

export interface Interface {
  family: Family;
  address: string;
  prefix: number;
  /** `address/prefix` as written (normalised for IPv6 case). */
  cidr: string;
}

export function ipFamily(text: string): Family | undefined {
  if (isIPv4(text) && parseIpv4(text) !== undefined) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

/** Parse `address/prefix` of either family. The error never repeats text that did not parse (see static-addresses.ts). */
export function parseInterface(text: string): Interface | string {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (m === null) return 'is not an address with a prefix length, like 203.0.113.10/24 or 2001:db8::10/64';
  const address = (m[1] as string).toLowerCase();
  const prefix = Number(m[2]);
  const family = ipFamily(address);
  if (family === undefined) return 'the address before the prefix length is neither IPv4 nor IPv6';
  const max = family === 4 ? 32 : 128;
  if (prefix < 1 || prefix > max) return `prefix length /${prefix} is outside 1..${max} for IPv${family}`;
  if (family === 4 && prefix <= 30) {
    const n = parseIpv4(address) as number;
    const size = 2 ** (32 - prefix);
    const network = n - (n % size);
    if (n === network) return `${address} is the network address of ${formatIpv4(network)}/${prefix}, not a host address`;
    if (n === network + size - 1) return `${address} is the broadcast address of ${formatIpv4(network)}/${prefix}, not a host address`;
  }
  if (family === 6 && (address === '::' || address.startsWith('ff'))) return `${address} is not a unicast IPv6 address`;
  return { family, address, prefix, cidr: `${address}/${prefix}` };
}

/** Whether `address` lies in the subnet of `iface`. */
export function inSubnet(iface: Interface, address: string): boolean {
  const list = new BlockList();
  const type = iface.family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(iface.address, iface.prefix, type);
  return list.check(address, type);
}

export function isLinkLocalV6(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}
