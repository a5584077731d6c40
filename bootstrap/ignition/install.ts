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

export interface InstallOptions {
  /** A concrete Flatcar version (assets.ts resolves `current`). */
  flatcarVersion: string;
  console: readonly string[];
  kernelArgs: readonly string[];
  /** Configured disk; default the smallest non-removable disk of at least minDiskGiB. */
  installDisk: string | undefined;
  minDiskGiB: number;
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
  const minBytes = o.minDiskGiB * 1024 ** 3;
  return `#!/bin/bash
# racker installer for ${node.hostname} (${node.mac}): generated, do not edit.
# -E: the ERR trap also fires inside run(), where the step is known.
set -Eeuo pipefail
report=${REPORT_SCRIPT}
oemdir=/run/racker-oem
steplog=/run/racker-install-step.log
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
disk=${shQuote(o.installDisk ?? '')}
if [ -z "$disk" ]; then
  # The smallest whole disk that is not removable, not read-only and large enough.
  disk="$(lsblk -dnpb -x SIZE -o NAME,SIZE,RM,RO,TYPE | awk -v min=${minBytes} '$3 == 0 && $4 == 0 && $5 == "disk" && $2 >= min { print $1; exit }')"
fi
if [ -z "$disk" ]; then
  "$report" failed "no install disk: none configured and no non-removable disk of at least ${o.minDiskGiB} GiB" || true
  exit 1
fi
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
"$report" installed
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
      file(INSTALL_SCRIPT, installScript(e, node, o), { mode: 0o700 }),
    ],
    units: [unit('racker-install.service', INSTALL_UNIT)],
  });
}
