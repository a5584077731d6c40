/**
 * The management node's address on the rack-internal network. dnsmasq binds to the PXE interface
 * and needs the plan's first address on it, and an IPv6 ULA so that its router advertisements end
 * iPXE's 13-second wait for IPv6 autoconfiguration (docs/dhcp.md). The original wrote a
 * systemd-networkd file and left the rest to a reboot; the agent makes sure of both at start,
 * idempotently (`ip addr replace`), and leaves them in place when it stops so a restart does not
 * cut the rack off.
 */
import type { Exec } from '../lib/exec.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { parseIpv4 } from '../lib/ipv4.js';

export interface PxeAddressPlan {
  interface: string;
  /** `a.b.c.d/prefix` */
  ipv4: string;
  /** `fdxx:…::1/64` */
  ipv6: string;
}

/** A stable ULA derived from the internal subnet, e.g. 172.24.213.0/24 → fd00:ac18:d500::1/64. */
export function ulaFor(managementAddress: string): string {
  const n = parseIpv4(managementAddress) ?? 0;
  const hex = (v: number): string => v.toString(16);
  return `fd00:${hex(n >>> 16)}:${hex((n >>> 8) & 255)}00::1/64`;
}

export function pxeAddressPlan(pxeInterface: string, managementAddress: string, prefix: number): PxeAddressPlan {
  return { interface: pxeInterface, ipv4: `${managementAddress}/${prefix}`, ipv6: ulaFor(managementAddress) };
}

/** The `ip` commands, in order. Pure, so tests check them by value. */
export function pxeAddressCommands(p: PxeAddressPlan): string[][] {
  return [
    ['link', 'set', 'dev', p.interface, 'up'],
    ['-4', 'addr', 'replace', p.ipv4, 'dev', p.interface],
    ['-6', 'addr', 'replace', p.ipv6, 'dev', p.interface, 'nodad'],
  ];
}

export class PxeAddressService implements Service {
  readonly name = 'pxe-address';

  constructor(private readonly plan: PxeAddressPlan, private readonly exec: Exec, private readonly log: Logger) {}

  async start(signal: AbortSignal): Promise<void> {
    for (const args of pxeAddressCommands(this.plan)) {
      signal.throwIfAborted();
      await this.exec('ip', args, { timeoutMs: 10_000, signal });
    }
    this.log.info({ interface: this.plan.interface, ipv4: this.plan.ipv4, ipv6: this.plan.ipv6 }, 'PXE interface addressed');
  }

  /** The addresses stay: nodes and BMCs keep reaching the management node while the agent restarts. */
  async stop(): Promise<void> {}
}
