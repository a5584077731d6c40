/**
 * This machine's network interfaces and their MACs, read from /sys/class/net (overridable for tests).
 * Physical interfaces (those with a `device` link) come first: a bridge or VLAN inherits its
 * port's MAC, and the physical port is the one the row in nodes.csv describes.
 */
import { readdir, readFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeMac, type Mac } from '../lib/mac.js';
import { isENOENT } from '../lib/errors.js';

export interface LocalInterface {
  name: string;
  mac: Mac;
  physical: boolean;
}

export async function listLocalInterfaces(sysClassNet: string): Promise<LocalInterface[]> {
  let names: string[];
  try {
    names = await readdir(sysClassNet);
  } catch (e) {
    if (isENOENT(e)) return [];
    throw e;
  }
  const found: LocalInterface[] = [];
  for (const name of names.sort()) {
    let address: string;
    try {
      address = await readFile(join(sysClassNet, name, 'address'), 'utf8');
    } catch {
      continue; // an interface that vanished while we looked, or has no address file: not a candidate
    }
    const mac = normalizeMac(address);
    if (mac === undefined || mac === '00:00:00:00:00:00') continue;
    const physical = await access(join(sysClassNet, name, 'device')).then(() => true, () => false);
    found.push({ name, mac, physical });
  }
  return found.sort((a, b) => Number(b.physical) - Number(a.physical));
}
