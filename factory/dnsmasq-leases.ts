/**
 * dnsmasq's lease file (`<stateDir>/dnsmasq/dnsmasq.leases`): one line per lease,
 * `<expiry epoch> <mac> <ip> <hostname or *> <client-id or *>`; DHCPv6 adds a `duid` line and
 * lines whose second field is not a MAC, which are skipped. Tells `factory check --live` and the
 * TUI which MACs have asked for an address on the internal network.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeMac, type Mac } from '../agent/inventory/mac.js';
import { isENOENT } from '../agent/lib/errors.js';

export interface Lease {
  mac: Mac;
  ip: string;
  hostname: string | undefined;
  /** Lease end; undefined for infinite leases (expiry 0). */
  expires: Date | undefined;
}

export const leaseFilePath = (stateDir: string): string => join(stateDir, 'dnsmasq', 'dnsmasq.leases');

export function parseLeases(text: string): Lease[] {
  const leases: Lease[] = [];
  for (const line of text.split('\n')) {
    const [expiry, macText, ip, host] = line.trim().split(/\s+/);
    const mac = normalizeMac(macText ?? '');
    if (mac === undefined || ip === undefined || !/^\d+$/.test(expiry ?? '')) continue;
    const secs = Number(expiry);
    leases.push({ mac, ip, hostname: host === undefined || host === '*' ? undefined : host, expires: secs === 0 ? undefined : new Date(secs * 1000) });
  }
  return leases;
}

/** The leases, or undefined when there is no lease file (dnsmasq has not run here yet). */
export async function readLeases(path: string): Promise<Lease[] | undefined> {
  try {
    return parseLeases(await readFile(path, 'utf8'));
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw e;
  }
}
