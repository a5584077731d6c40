/**
 * `racker-sim disk <node> replace <system|usb|data>`: a technician swaps one of a powered-off
 * server's disks for another of the same kind, with a new serial number (sim/hardware.ts). The new
 * disk comes as the old one came: blank, or holding ext4 for the data disk. The server sees it at
 * its next power-on (its runner reads the QEMU arguments then); racker sees it at the next install
 * boot's inventory, as a hardware change.
 */
import { writeLine, type CliContext } from '../../agent/cli-kit/context.js';
import { parseCommandArgs } from '../../agent/cli-kit/args.js';
import { exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError, UsageError } from '../../agent/lib/errors.js';
import { findSimNode } from '../rack-spec.js';
import { DISK_SLOTS, hardwareOptions, simHardware, type DiskSlot } from '../hardware.js';
import { nodeDir } from '../sim-files.js';
import { writeState } from '../state.js';
import { makeDisk, writeVmArgs } from '../vm-setup.js';
import { rackStatus } from './status.js';
import { RACK_OPTIONS, loadRack, rackRef, requireRoot } from './common.js';

const USAGE = `racker-sim disk <node> replace <${DISK_SLOTS.join('|')}> [--name NAME] [--root DIR]`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, RACK_OPTIONS, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${USAGE}\n\nReplace a disk of a powered-off server (by name, row or any of its MACs) by another of the same\n` +
      'kind with a new serial number; the server sees it at its next power-on.\n' +
      '  system   the 20 GiB system disk (blank)\n' +
      '  usb      the 2 GiB USB stick (blank)\n' +
      '  data     the 12 GiB data disk (holding ext4, as the first one did); only on servers created with --data-disk');
    return 0;
  }
  const [nodeKey, action, slot, ...rest] = positionals;
  if (nodeKey === undefined || action === undefined || slot === undefined) throw new UsageError('disk needs a node, replace and a disk', `usage: ${USAGE}`);
  if (action !== 'replace') throw new UsageError(`unknown action "${action}"`, `usage: ${USAGE}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0] ?? ''}"`, `usage: ${USAGE}`);
  if (!(DISK_SLOTS as readonly string[]).includes(slot)) throw new UsageError(`unknown disk "${slot}"`, `one of: ${DISK_SLOTS.join(', ')}`);
  requireRoot();
  const rack = await loadRack(rackRef(values, ctx));
  const { state } = rack;
  const node = findSimNode(rack.spec, nodeKey);
  if (node === undefined) {
    throw new RackerError(ErrorCodes.notFound, `rack ${state.name} has no node "${nodeKey}"`, { hint: `nodes: ${rack.spec.nodes.map((n) => n.name).join(', ')} (or a row number or MAC)` });
  }
  if (!state.options.vm || state.accel === undefined || state.os === undefined) throw new RackerError(ErrorCodes.sim, `rack ${state.name} has no VMs (created with --no-vm): no disks to replace`);
  const s = slot as DiskSlot;
  if (!simHardware(state.name, node, hardwareOptions(state.options, node)).disks.some((d) => d.slot === s)) {
    throw new RackerError(ErrorCodes.sim, `${node.name} has no ${s} disk`, { hint: 'a data disk is there only on servers created with --data-disk' });
  }
  const status = (await rackStatus(rack)).nodes.find((n) => n.name === node.name);
  if (status?.vm === 'running' || status?.power === 'on') {
    throw new RackerError(ErrorCodes.sim, `${node.name} is powered on: a disk is replaced with the server off`, { hint: `power it off at its BMC first (ipmitool ... chassis power off), or racker-sim status shows its state` });
  }
  const replaced = { ...state.options.replacedDisks?.[node.name], [s]: (state.options.replacedDisks?.[node.name]?.[s] ?? 0) + 1 };
  state.options.replacedDisks = { ...state.options.replacedDisks, [node.name]: replaced };
  const hardware = simHardware(state.name, node, hardwareOptions(state.options, node));
  const disk = hardware.disks.find((d) => d.slot === s);
  if (disk === undefined) throw new Error(`${node.name}: no ${s} disk after the replacement`);
  const dir = nodeDir(rack.ref.dir, node);
  // The image first: the state names the new serial only once the disk carrying it exists.
  await makeDisk(exec, dir, disk);
  await writeVmArgs(node, dir, state.accel, state.os, state.options.uefi, hardware);
  await writeState(state);
  writeLine(ctx.stdout, `${node.name}: ${s} disk replaced (${disk.sizeGiB} GiB, serial ${disk.serial})`);
  return 0;
}
