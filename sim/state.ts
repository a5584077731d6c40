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
import { z } from 'zod';
import { ErrorCodes, isENOENT } from '../agent/lib/errors.js';
import { parseJsonDocument } from '../agent/lib/json-document.js';
import { ACCELS } from './vm.js';
import { DISK_SLOTS } from './hardware.js';

export const DEFAULT_SIM_ROOT = '/var/lib/racker-sim';

export const simOptionsSchema = z.object({
  nodes: z.number().int().min(1),
  uefi: z.boolean(),
  vm: z.boolean(),
  /** BMCs on fixed addresses (written to the racker configuration) instead of DHCP leases. */
  pinBmcAddresses: z.boolean(),
  /** Directory of real Flatcar PXE images, when not using the stand-in OS (absent from the file when unset). */
  flatcarDir: z.string().optional(),
  /**
   * `systemd`: the management node is an nspawn container running the payload's racker-agent.service
   * under real systemd (sim/mgmt-node.ts). `manual`: only its namespace; you run `racker agent`.
   * Absent in racks made before the option existed: manual.
   */
  agent: z.enum(['systemd', 'manual']).optional(),
  /** The payload installed into a systemd management node. */
  payload: z.string().optional(),
  /** Servers (names) that also get a 12 GiB data disk holding an ext4 file system (sim/hardware.ts). */
  dataDisks: z.array(z.string()).optional(),
  /** Per server, how often the disk in each slot was replaced (`racker-sim disk`; sim/hardware.ts). */
  replacedDisks: z.record(z.string(), z.partialRecord(z.enum(DISK_SLOTS), z.number().int().nonnegative())).optional(),
});
export type SimOptions = z.infer<typeof simOptionsSchema>;

export const simStateSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  dir: z.string(),
  createdAt: z.string(),
  /** `creating` until create finished; a crashed create leaves it so. */
  phase: z.enum(['creating', 'ready']),
  options: simOptionsSchema,
  accel: z.enum(ACCELS).optional(),
  /** Namespaces made so far (destroy deletes these, and the names the rack spec gives). */
  netns: z.array(z.string()),
  configPath: z.string(),
  /** Where the OS the nodes boot comes from (stand-in build or --flatcar). */
  os: z.object({ kind: z.enum(['standin', 'flatcar']), assetsDir: z.string(), kernel: z.string(), initrd: z.string() }).optional(),
});
export type SimState = z.infer<typeof simStateSchema>;

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
  return parseJsonDocument(text, simStateSchema, { file: statePath(dir), code: ErrorCodes.sim, hint: 'racker-sim destroy still removes the rack by its name' });
}

export async function writeState(state: SimState): Promise<void> {
  await writeFileAtomic(statePath(state.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644, mkdirs: true });
}
