/**
 * What a simulated rack consists of, recorded in `<sim dir>/state.json` before each part is made,
 * so `destroy` removes everything even after `create` crashed half-way. The sim directory is
 * `<root>/<name>` with root /var/lib/racker-sim (RACKER_SIM_ROOT or --root overrides it).
 * Processes are not listed one by one: every process of a rack lives in one of its namespaces, and
 * `destroy` ends whatever `ip netns pids` finds there.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../agent/lib/atomic-file.js';
import { ErrorCodes, RackerError, isENOENT, errorMessage } from '../agent/lib/errors.js';
import type { Accel } from './vm.js';
import type { DiskSlot } from './hardware.js';

export const DEFAULT_SIM_ROOT = '/var/lib/racker-sim';

export interface SimOptions {
  nodes: number;
  uefi: boolean;
  vm: boolean;
  /** BMCs on fixed addresses (written to the racker configuration) instead of DHCP leases. */
  pinBmcAddresses: boolean;
  /** Directory of real Flatcar PXE images, when not using the stand-in OS. */
  flatcarDir: string | undefined;
  /**
   * `systemd`: the management node is an nspawn container running the payload's racker-agent.service
   * under real systemd (sim/mgmt-node.ts). `manual`: only its namespace; you run `racker agent`.
   * Absent in racks made before the option existed: manual.
   */
  agent?: 'systemd' | 'manual';
  /** The payload installed into a systemd management node. */
  payload?: string;
  /** Servers (names) that also get a 12 GiB data disk holding an ext4 file system (sim/hardware.ts). */
  dataDisks?: string[];
  /** Per server, how often the disk in each slot was replaced (`racker-sim disk`; sim/hardware.ts). */
  replacedDisks?: Record<string, Partial<Record<DiskSlot, number>>>;
}

export interface SimState {
  version: 1;
  name: string;
  dir: string;
  createdAt: string;
  /** `creating` until create finished; a crashed create leaves it so. */
  phase: 'creating' | 'ready';
  options: SimOptions;
  accel: Accel | undefined;
  /** Namespaces made so far (destroy deletes these, and the names the rack spec gives). */
  netns: string[];
  configPath: string;
  /** Where the OS the nodes boot comes from (stand-in build or --flatcar). */
  os: { kind: 'standin' | 'flatcar'; assetsDir: string; kernel: string; initrd: string } | undefined;
}

export function simRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return flag ?? (env.RACKER_SIM_ROOT !== undefined && env.RACKER_SIM_ROOT !== '' ? env.RACKER_SIM_ROOT : DEFAULT_SIM_ROOT);
}

export function simDir(root: string, name: string): string {
  return join(root, name);
}

export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

export async function readState(dir: string): Promise<SimState | undefined> {
  let text: string;
  try {
    text = await readFile(statePath(dir), 'utf8');
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw e;
  }
  try {
    const s = JSON.parse(text) as SimState;
    if (s.version !== 1 || typeof s.name !== 'string') throw new Error('unexpected structure');
    return s;
  } catch (e) {
    throw new RackerError(ErrorCodes.sim, `${statePath(dir)} is damaged: ${errorMessage(e)}`,
      { hint: 'racker-sim destroy still removes the rack by its name' });
  }
}

export async function writeState(state: SimState): Promise<void> {
  await writeFileAtomic(statePath(state.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644, mkdirs: true });
}
