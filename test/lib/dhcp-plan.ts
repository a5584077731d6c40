/** Plans and settings for DHCP tests: the default rack of test/lib/fake-rack.ts, as dnsmasq sees it. */
import { parseConfig } from '../../agent/config/parse.js';
import type { Config } from '../../agent/config/schema.js';
import type { DnsmasqFilePaths, DnsmasqPlan, DnsmasqRenderInput, Reservation } from '../../agent/dhcp/render-config.js';
import { normalizeMac, type Mac } from '../../agent/lib/mac.js';
import { parseSubnet, type Subnet } from '../../agent/lib/ipv4.js';

export const mac = (text: string): Mac => normalizeMac(text) as Mac;

/** A configuration from YAML text (defaults for everything else). */
export function configFrom(yaml = ''): Config {
  return parseConfig(yaml, 'test.yaml', {});
}

export const RESERVATIONS: readonly Reservation[] = [
  { mac: mac('00:11:22:33:44:10'), ip: '172.24.213.2', hostname: 'node-02', role: 'node', row: 2 },
  { mac: mac('00:11:22:33:44:20'), ip: '172.24.213.3', hostname: 'node-03', role: 'node', row: 3 },
  { mac: mac('00:11:22:33:44:11'), ip: '172.24.213.4', hostname: 'node-02-bmc', role: 'bmc', row: 2 },
  { mac: mac('00:11:22:33:44:21'), ip: '172.24.213.5', hostname: 'node-03-bmc', role: 'bmc', row: 3 },
];

export function samplePlan(overrides: Partial<DnsmasqPlan> = {}): DnsmasqPlan {
  return {
    interface: 'br0',
    subnet: parseSubnet('172.24.213.0/24') as Subnet,
    discoveryPool: { first: '172.24.213.239', last: '172.24.213.254' },
    reservations: RESERVATIONS,
    domain: undefined,
    bootUrl: 'http://172.24.213.1:8080/boot.ipxe',
    ...overrides,
  };
}

export const SAMPLE_FILES: DnsmasqFilePaths = {
  conf: '/var/lib/racker/dhcp/dnsmasq.conf',
  reservations: '/var/lib/racker/dhcp/reservations',
  dnsHosts: '/var/lib/racker/dhcp/hosts',
  leases: '/var/lib/racker/dhcp/dnsmasq.leases',
};

export function sampleInput(yaml = '', overrides: Partial<DnsmasqRenderInput> = {}): DnsmasqRenderInput {
  return {
    ...samplePlan(),
    dhcp: configFrom(yaml).dhcp,
    files: SAMPLE_FILES,
    availableBootFiles: new Set(['undionly.kpxe', 'ipxe.efi', 'snponly.efi']),
    ...overrides,
  };
}
