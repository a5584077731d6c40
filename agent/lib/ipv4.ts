/** IPv4 addresses as unsigned 32-bit numbers, and subnets. Pure; used by the address plan, DHCP and checks. */

export interface Subnet {
  /** Network address as a number. */
  network: number;
  prefix: number;
  /** `a.b.c.d/p` */
  cidr: string;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

/** Parse `a.b.c.d/p`. Returns a reason string on failure so validators can show it. */
export function parseSubnet(text: string): Subnet | string {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (m === null) return `"${text}" is not an IPv4 prefix like 172.24.213.0/24`;
  const addr = parseIpv4(m[1] as string);
  const prefix = Number(m[2]);
  if (addr === undefined) return `"${m[1]}" is not an IPv4 address`;
  if (prefix > 32) return `prefix length /${prefix} is larger than 32`;
  const network = prefix === 0 ? 0 : (addr & (~0 << (32 - prefix))) >>> 0;
  if (network !== addr) return `${text} has host bits set; the network is ${formatIpv4(network)}/${prefix}`;
  return { network, prefix, cidr: `${formatIpv4(network)}/${prefix}` };
}

export function subnetSize(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function broadcastAddress(s: Subnet): number {
  return s.network + subnetSize(s) - 1;
}

export function netmask(s: Subnet): string {
  return formatIpv4(s.prefix === 0 ? 0 : (~0 << (32 - s.prefix)) >>> 0);
}

export function subnetContains(s: Subnet, addr: number): boolean {
  return addr >= s.network && addr <= broadcastAddress(s);
}
