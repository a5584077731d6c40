/**
 * What the operator-journey tests (test/integration/e2e/sim-journeys.test.ts) read off a simulated
 * rack as evidence: files in its trees, the installed systems' disks, the agent's events, QEMU's
 * hardware beside racker's inventory, and the processes a kill must take.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runRacker } from './run-racker.js';
import type { RackEvent, SimNode, SimRack } from './sim-rack.js';
import { installedFiles } from './sim-disk.js';
import type { NodeHardware } from '../../agent/inventory/hardware.js';

export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    const p = join(e.parentPath, e.name);
    if (e.isFile() && (await readFile(p, 'latin1')).includes(needle)) hits.push(p);
  }
  return hits;
}

/** The SSH keys user core has on a server's installed system (what Ignition wrote under /home/core/.ssh). */
export async function coreKeys(server: SimNode, disk = 'disk.qcow2'): Promise<string> {
  return Object.values(await installedFiles(join(server.dir, disk), 'home/core/.ssh')).join('\n');
}

/** A disk as `racker inventory --json` and racker-sim's hardware both describe it, in one order. */
const diskKeys = (disks: readonly string[]): string[] => [...disks].sort();

/** What QEMU gives a server, as racker-sim lists it, and what `racker inventory --json` says about it, side by side. */
export async function inventoryVsQemu(rack: SimRack): Promise<{ node: string; qemu: unknown; racker: unknown }[]> {
  const inventory = JSON.parse((await runRacker(['inventory', '--json', '--config', rack.config])).stdout) as { node: string; mac: string; hardware: { current: NodeHardware } | null; bmc: { serial?: string } | null; serialMismatch: unknown }[];
  const sims = await rack.simNodes();
  // The management node is in nodes.csv too, but no simulated server.
  return inventory.filter((n) => sims.some((x) => x.primaryMac === n.mac)).map((n) => {
    const q = sims.find((x) => x.primaryMac === n.mac)?.hardware;
    const hw = n.hardware?.current;
    return {
      node: n.node,
      // The BMC (ipmi_sim's FRU 0, which racker-sim fills from the VM's SMBIOS) names the same server.
      qemu: q === undefined ? null : { vendor: q.vendor, product: q.product, serial: q.serial, uuid: q.uuid, disks: diskKeys(q.disks.map((d) => `${d.sizeGiB} GiB ${d.bus} ${d.serial}`)), bmcSerial: q.serial, serialMismatch: null },
      racker: hw === undefined ? null : { vendor: hw.system.vendor, product: hw.system.product, serial: hw.system.serial, uuid: hw.system.uuid, disks: diskKeys(hw.disks.map((d) => `${d.sizeBytes / 1024 ** 3} GiB ${d.transport ?? '?'} ${d.serial ?? '?'}`)), bmcSerial: n.bmc?.serial, serialMismatch: n.serialMismatch },
    };
  });
}

/** The disk the installer wrote last, as the node's console says. */
export async function installedTo(server: SimNode): Promise<string | undefined> {
  return [...(await readFile(server.consoleLog ?? join(server.dir, 'console.log'), 'utf8')).matchAll(/racker: installing Flatcar \S+ to (\/dev\/\w+)/g)].at(-1)?.[1];
}

/** Boot-service and TFTP requests attributed to a node (a request means the server booted). */
export const bootRequests = (events: readonly RackEvent[], mac: string): number => events.filter((e) => e.node === mac && (e.type.startsWith('boot.') || e.type.startsWith('tftp.'))).length;

/** Network events (DHCP and boot requests) and phone-home reports in the agent's event log. */
export const isWire = (e: RackEvent): boolean => e.type === 'dhcp.ack' || e.type.startsWith('boot.') || e.type.startsWith('tftp.') || e.type === 'node.phone-home';

/** The PIDs of a process and everything it started (read from /proc), so that a kill takes them all, as systemd's does. */
export async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isNaN(ppid)) parents.set(ppid, [...(parents.get(ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  const walk = (p: number): void => { out.push(p); for (const c of parents.get(p) ?? []) walk(c); };
  walk(pid);
  return out;
}
