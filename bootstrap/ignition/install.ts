/**
 * The installer's Ignition: served to the PXE-booted Flatcar, it installs Flatcar to disk from the
 * agent's own assets, records the kernel arguments, console and the installed system's Ignition URL
 * in the OEM partition's grub.cfg, reports `installed` and reboots. No in-band IPMI tools: the agent
 * sets the boot device back to disk over the LAN when it sees `installed` (the original pulled a
 * container image from the Internet on every node for that, original-racker.md §8.5).
 */
import type { PlannedNode, BootstrapPlan } from '../plan.js';
import { installedIgnitionUrl, type Endpoints } from '../endpoints.js';
import { config, file, unit } from './builders.js';
import { phoneHomeFiles, REPORT_SCRIPT } from './phone-home.js';
import { shQuote } from './shell.js';
import type { IgnitionConfig } from './types.js';
import { DISK_SELECT_SCRIPT, diskSelectScript, type DiskSelectInput } from './disk-select.js';
import { INVENTORY_SCRIPT, inventoryScript } from './inventory.js';

export interface InstallOptions {
  /** A concrete Flatcar version (assets.ts resolves `current`). */
  flatcarVersion: string;
  console: readonly string[];
  kernelArgs: readonly string[];
  /** The node's install-disk rule and wipe policy (disk-rules.ts diskChoiceFor), and its history. */
  disk: (node: PlannedNode) => DiskSelectInput;
  rebootDelaySeconds: number;
}

export const INSTALL_SCRIPT = '/opt/racker/bin/racker-install';

/** The kernel command line of the installed system (grub.cfg's linux_append), without the console. */
export function installedKernelArgs(e: Endpoints, node: PlannedNode, o: Pick<InstallOptions, 'kernelArgs'>): string[] {
  return [...o.kernelArgs, `ignition.config.url=${installedIgnitionUrl(e, node.mac)}`];
}

/** The lines appended to the OEM grub.cfg (GRUB script; values double-quoted, no user text unchecked). */
export function oemGrubCfg(e: Endpoints, node: PlannedNode, o: Pick<InstallOptions, 'kernelArgs' | 'console'>): string {
  const safe = (args: readonly string[]): string => {
    for (const a of args) if (/["\\$\s]/.test(a)) throw new Error(`kernel argument ${a} cannot go into grub.cfg`);
    return args.join(' ');
  };
  return `# racker: console and installed-system Ignition\nset linux_console="${safe(o.console)}"\nset linux_append="${safe(installedKernelArgs(e, node, o))}"\n`;
}

export function installScript(e: Endpoints, node: PlannedNode, o: InstallOptions): string {
  return `#!/bin/bash
# racker installer for ${node.hostname} (${node.mac}): generated, do not edit.
# -E: the ERR trap also fires inside run(), where the step is known.
set -Eeuo pipefail
report=${REPORT_SCRIPT}
inventory=${INVENTORY_SCRIPT}
diskselect=${DISK_SELECT_SCRIPT}
oemdir=/run/racker-oem
steplog=/run/racker-install-step.log
disktable=/run/racker-disks.txt
wipes=/run/racker-wipes.txt
step=""
# A failure reports the step as it ran (arguments expanded) with the last lines of its output.
trap '"$report" failed "install step failed (line $LINENO): \${step:-$BASH_COMMAND}" "" "$steplog" || true' ERR
# Run one step: its output goes to the console (journal) and to $steplog for the report.
run() {
  step="$*"
  "$@" 2>&1 | tee "$steplog"
  step=""
  : > "$steplog"
}
# Hardware facts first: the agent keeps them even when the disk is refused below.
"$inventory" || echo "racker: the hardware inventory was not sent (the install goes on)"
if ! disk="$("$diskselect" "$disktable" "$wipes")"; then
  cat "$disktable"
  # refused: the rule's verdict on these disks, the same on every boot (the job does not retry it).
  "$report" refused "install disk: \${disk:-racker-disk-select failed}" "" "$disktable" || true
  exit 1
fi
cat "$disktable"
wiped=""
while read -r dev; do
  [ -n "$dev" ] || continue
  echo "racker: erasing partition-table and file-system signatures on $dev (wipe policy ${o.disk(node).wipe})"
  run wipefs --all --force "$dev"
  wiped="$wiped $dev"
done < "$wipes"
echo "racker: installing Flatcar ${o.flatcarVersion} to $disk"
run flatcar-install -d "$disk" -b ${shQuote(e.flatcarAssets)} -V ${shQuote(o.flatcarVersion)} -o ''
run udevadm settle
oem="$(blkid -t LABEL=OEM -o device "$disk"* | head -n 1)"
mkdir -p "$oemdir"
run mount "$oem" "$oemdir"
cat >> "$oemdir/grub.cfg" <<'RACKER_GRUB'
${oemGrubCfg(e, node, o).trimEnd()}
RACKER_GRUB
run umount "$oemdir"
sync
"$report" installed "installed to $disk\${wiped:+, signatures erased on$wiped}"
# The agent now sets the boot device to disk; give it time before the reboot.
sleep ${o.rebootDelaySeconds}
systemctl reboot
`;
}

const INSTALL_UNIT = `[Unit]
Description=racker: install Flatcar to disk
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=${INSTALL_SCRIPT}
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
`;

export function installConfig(plan: BootstrapPlan, e: Endpoints, node: PlannedNode, token: string, o: InstallOptions): IgnitionConfig {
  return config({
    users: plan.sshKeys.length > 0 ? [{ name: 'core', sshAuthorizedKeys: [...plan.sshKeys] }] : [],
    files: [
      ...phoneHomeFiles(e.phoneHome, node.mac, token),
      file(DISK_SELECT_SCRIPT, diskSelectScript(o.disk(node)), { mode: 0o700 }),
      file(INVENTORY_SCRIPT, inventoryScript(e.phoneHome, node.mac), { mode: 0o700 }),
      file(INSTALL_SCRIPT, installScript(e, node, o), { mode: 0o700 }),
    ],
    units: [unit('racker-install.service', INSTALL_UNIT)],
  });
}
