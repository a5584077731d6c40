/**
 * dnsmasq configuration for the rack's internal network, rendered from the inventory and address
 * plan. Pure: the supervisor writes the files and runs dnsmasq.
 *
 * Two files: dnsmasq.conf (changes need a restart) and a dhcp-hostsfile with one reservation per
 * node and BMC MAC (changes need only a SIGHUP, which keeps leases and in-flight boots). With DNS on,
 * a third: an addn-hosts file with the same names, also re-read on SIGHUP.
 */
import type { Config } from '../config/schema.js';
import { stateFiles } from '../config/paths.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Mac } from '../lib/mac.js';
import { ErrorCodes, RackerError } from '../lib/errors.js';
import { formatIpv4, netmask, type Subnet } from '../lib/ipv4.js';
import { CLIENT_ARCHES, archTag, type ArchFamily } from './client-arch.js';

export type DhcpSettings = Config['dhcp'];

export interface Reservation {
  mac: Mac;
  ip: string;
  /** Host name handed out with the lease (and served over DNS when dns is on). */
  hostname: string | undefined;
  role: 'node' | 'bmc';
  /** The node's data row in nodes.csv, for messages. */
  row: number;
}

/** Where the rendered files live: all in the state directory (see dnsmasqFilePaths). */
export interface DnsmasqFilePaths {
  conf: string;
  reservations: string;
  dnsHosts: string;
  leases: string;
}

/** What the rack asks of dnsmasq: derived from the inventory, changes when nodes.csv does. */
export interface DnsmasqPlan {
  /** The management node's interface on the internal L2. */
  interface: string;
  subnet: Subnet;
  discoveryPool: { first: string; last: string } | undefined;
  reservations: readonly Reservation[];
  /** DNS domain of the rack's names (network.domain). */
  domain: string | undefined;
  /** What iPXE chains to: the boot service's /boot.ipxe. */
  bootUrl: string;
}

export interface DnsmasqRenderInput extends DnsmasqPlan {
  dhcp: DhcpSettings;
  files: DnsmasqFilePaths;
  /** Boot files (relative to dhcp.ipxeDir) that exist; an architecture without its file gets none. */
  availableBootFiles: ReadonlySet<string>;
}

export interface RenderedDnsmasq {
  conf: string;
  reservations: string;
  /** Content of the addn-hosts file, undefined when DNS is off. */
  dnsHosts: string | undefined;
}

const MAX_LABEL = 63;

/**
 * The files under `<stateDir>/dhcp` (named in config/paths.ts). dnsmasq drops root for `nobody` and re-reads the hosts files
 * on SIGHUP as that user, so this directory and its parents must be searchable by others.
 */
export function dnsmasqFilePaths(stateDir: string): DnsmasqFilePaths {
  return stateFiles(stateDir).dhcp;
}

/** One reservation for every worker's primary MAC and BMC MAC; the management node serves, it gets none. */
export function reservationsFromInventory(inventory: Pick<Inventory, 'workers'>): Reservation[] {
  const out: Reservation[] = [];
  for (const n of inventory.workers) {
    if (n.address !== undefined) out.push({ mac: n.primaryMac, ip: n.address, hostname: n.hostname, role: 'node', row: n.row });
  }
  for (const n of inventory.workers) {
    const name = `${n.hostname}-bmc`;
    if (n.bmcAddress !== undefined) out.push({ mac: n.bmcMac, ip: n.bmcAddress, hostname: name.length <= MAX_LABEL ? name : undefined, role: 'bmc', row: n.row });
  }
  return out;
}

/** The plan for a loaded inventory under a configuration. */
export function dnsmasqPlan(inventory: Pick<Inventory, 'workers' | 'pxeInterface' | 'plan'>, config: Pick<Config, 'network' | 'boot'>): DnsmasqPlan {
  return {
    interface: inventory.pxeInterface,
    subnet: inventory.plan.subnet,
    discoveryPool: inventory.plan.discoveryPool,
    reservations: reservationsFromInventory(inventory),
    domain: config.network.domain,
    bootUrl: bootUrl(config.boot, inventory.plan.managementAddress),
  };
}

/** The URL iPXE chains to: the boot service on the management node's internal address. */
export function bootUrl(boot: Config['boot'], managementAddress: string): string {
  return `http://${boot.listenAddress ?? managementAddress}:${boot.port}/boot.ipxe`;
}

/** The boot file each architecture family gets under these settings. */
export function bootFileFor(family: ArchFamily, dhcp: DhcpSettings): string {
  switch (family) {
    case 'bios': return dhcp.biosBootFile;
    case 'uefi-x86-64': return dhcp.uefiBootFile;
    case 'uefi-arm64': return dhcp.arm64BootFile;
  }
}

/**
 * Boot files the rack cannot do without (BIOS and x86-64 UEFI) that are missing from ipxeDir.
 * arm64 is optional: Debian's ipxe package has no arm64 build, so arm64 clients get no boot file.
 */
export function missingBootFiles(dhcp: DhcpSettings, available: ReadonlySet<string>): string[] {
  return [dhcp.biosBootFile, dhcp.uefiBootFile].filter((f) => !available.has(f));
}

export function renderDnsmasq(input: DnsmasqRenderInput): RenderedDnsmasq {
  return {
    conf: renderConf(input),
    reservations: renderReservations(input.reservations, input.dhcp.leaseTime),
    dnsHosts: input.dhcp.dns ? renderDnsHosts(input.reservations, input.domain) : undefined,
  };
}

/** dnsmasq.conf. Every line dnsmasq reads is here; comments say why it is there. */
export function renderConf(input: DnsmasqRenderInput): string {
  const { dhcp, files } = input;
  const iface = safe('interface', input.interface);
  const mask = netmask(input.subnet);
  const lines: string[] = [
    '# Written by racker from the rack inventory. Do not edit: racker rewrites it.',
    '# Only the rack-internal interface: never answer DHCP on the public network.',
    `interface=${iface}`,
    'bind-interfaces',
    'except-interface=lo',
  ];
  if (dhcp.dns) {
    lines.push(
      '# DNS for the rack\'s host names only; nothing is forwarded.',
      'no-resolv',
      'no-hosts',
      `addn-hosts=${safe('dns hosts file', files.dnsHosts)}`,
    );
    if (input.domain !== undefined) lines.push(`domain=${input.domain}`, `local=/${input.domain}/`, 'expand-hosts');
  } else {
    lines.push('# DNS off.', 'port=0');
  }
  lines.push(
    '# Reservations only: addresses go to the MACs in nodes.csv (the hosts file, re-read on SIGHUP).',
    `dhcp-range=set:rack,${formatIpv4(input.subnet.network)},static,${mask},${dhcp.leaseTime}`,
  );
  if (dhcp.discovery && input.discoveryPool !== undefined) {
    lines.push(
      '# Discovery pool: unknown MACs get a short lease here and are reported.',
      `dhcp-range=set:discovery,${input.discoveryPool.first},${input.discoveryPool.last},${mask},${dhcp.discoveryLeaseTime}`,
    );
  }
  lines.push(
    `dhcp-hostsfile=${safe('reservations file', files.reservations)}`,
    `dhcp-leasefile=${safe('lease file', files.leases)}`,
    '# This network is the rack\'s: answer for it, and ignore client ids so iPXE and the OS share one lease.',
    'dhcp-authoritative',
    'dhcp-ignore-clid',
    '# No ICMP probe before an offer: every address is reserved, and the probe costs ~3 s per boot.',
    'no-ping',
    dhcp.router === undefined ? '# No default route for nodes (an empty option suppresses dnsmasq\'s default).' : '# Default route for nodes, as configured.',
    dhcp.router === undefined ? 'dhcp-option=3' : `dhcp-option=3,${dhcp.router}`,
    dhcp.dnsServers.length === 0 ? '# No DNS server for nodes.' : '# DNS servers for nodes, as configured.',
    dhcp.dnsServers.length === 0 ? 'dhcp-option=6' : `dhcp-option=6,${dhcp.dnsServers.join(',')}`,
    '# The agent turns these lines into DHCP events.',
    'log-dhcp',
    '# TFTP serves iPXE.',
    'enable-tftp',
    `tftp-root=${safe('dhcp.ipxeDir', dhcp.ipxeDir)}`,
    '# Boot file by client architecture (option 93), for reserved machines only: an unknown machine',
    '# is never booted into an installer.',
  );
  for (const arch of CLIENT_ARCHES) lines.push(`dhcp-match=set:${archTag(arch.code)},option:client-arch,${arch.code}`);
  for (const arch of CLIENT_ARCHES) {
    const file = bootFileFor(arch.family, dhcp);
    if (input.availableBootFiles.has(file)) lines.push(`dhcp-boot=tag:known,tag:${archTag(arch.code)},${file}`);
    else lines.push(`# ${arch.name} (${arch.code}): ${file} is not in ${dhcp.ipxeDir}`);
  }
  lines.push(
    '# iPXE (user class "iPXE") chains to the boot service; this line must stay last: the last matching dhcp-boot wins.',
    'dhcp-userclass=set:ipxe,iPXE',
    `dhcp-boot=tag:known,tag:ipxe,${safe('boot URL', input.bootUrl)}`,
    '# Router advertisements (lifetime 0: not a router) end iPXE\'s ~13 s wait for IPv6 autoconfiguration.',
    'enable-ra',
    `dhcp-range=::,constructor:${iface},ra-only`,
    `ra-param=${iface},0,0`,
    '# The supervisor (or systemd) tracks the process; no pid file.',
    'pid-file=',
    '',
  );
  return lines.join('\n');
}

/** dhcp-hostsfile: `mac,ip[,hostname],lease` per reservation. */
export function renderReservations(reservations: readonly Reservation[], leaseTime: string): string {
  const lines = ['# Written by racker: one reservation per node and BMC MAC. Re-read by dnsmasq on SIGHUP.'];
  for (const r of reservations) {
    lines.push([r.mac, r.ip, ...(r.hostname === undefined ? [] : [r.hostname]), leaseTime].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** addn-hosts: `ip name [name.domain]`, so names resolve before a node has ever leased. */
export function renderDnsHosts(reservations: readonly Reservation[], domain: string | undefined): string {
  const lines = ['# Written by racker: the rack\'s host names. Re-read by dnsmasq on SIGHUP.'];
  for (const r of reservations) {
    if (r.hostname === undefined) continue;
    lines.push(domain === undefined ? `${r.ip} ${r.hostname}` : `${r.ip} ${r.hostname}.${domain} ${r.hostname}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * dnsmasq splits option values on commas and lines on newlines; a value holding either would
 * silently become another option. Paths and names come from configuration, so refuse them.
 */
function safe(what: string, value: string): string {
  if (/[\n\r,#\0]/.test(value) || value.trim() !== value || value === '') {
    throw new RackerError(ErrorCodes.config, `the ${what} ${JSON.stringify(value)} cannot be written into dnsmasq's configuration`,
      { hint: 'use a value without commas, "#", line breaks or surrounding spaces' });
  }
  return value;
}
