/**
 * Boot script and Ignition configs in the shape racker's bootstrap serves (Flatcar's PXE contract:
 * kernel arguments, an install config whose script runs flatcar-install, records the installed
 * Ignition URL in the OEM grub.cfg, reports `installed` and reboots; an installed config that
 * reports `ready`), for the simulator's VM test.
 */
import { macHex } from '../../agent/lib/mac.js';
import type { Mac } from '../../agent/lib/mac.js';

export function bootIpxe(base: string): string {
  const assets = `${base}/assets/flatcar/current`;
  return [
    '#!ipxe',
    `kernel ${assets}/flatcar_production_pxe.vmlinuz initrd=flatcar_production_pxe_image.cpio.gz console=ttyS0,115200n8 flatcar.first_boot=yes ignition.config.url=${base}/ignition?mac=\${mac:hexhyp}`,
    `initrd ${assets}/flatcar_production_pxe_image.cpio.gz`,
    'boot',
    '',
  ].join('\n');
}

const dataUrl = (text: string): string => `data:,${encodeURIComponent(text)}`;
const oneshot = (description: string, exec: string): string =>
  `[Unit]\nDescription=${description}\nWants=network-online.target\nAfter=network-online.target\n[Service]\nType=oneshot\nExecStart=${exec}\nStandardOutput=journal+console\n[Install]\nWantedBy=multi-user.target\n`;

export function installIgnition(base: string, mac: Mac): string {
  const hyp = mac.replace(/:/g, '-');
  const installer = [
    '#!/bin/bash',
    'set -euo pipefail',
    `flatcar-install -s -b ${base}/assets/flatcar -V current`,
    'mkdir -p /tmp/oemfs',
    'mount "$(blkid -t LABEL=OEM -o device)" /tmp/oemfs',
    `echo 'set linux_append="ignition.config.url=${base}/ignition?mac=${hyp}&os=installed"' >> /tmp/oemfs/grub.cfg`,
    'umount /tmp/oemfs',
    `curl -fsS -X POST -H 'Content-Type: application/json' -d '{"status":"installed"}' '${base}/racker/v1/events?mac=${hyp}'`,
    'systemctl reboot',
    '',
  ].join('\n');
  return JSON.stringify({
    ignition: { version: '3.3.0' },
    storage: { files: [{ path: '/opt/installer', mode: 0o755, contents: { source: dataUrl(installer) } }] },
    systemd: { units: [{ name: 'installer.service', enabled: true, contents: oneshot('Install Flatcar', '/opt/installer') }] },
  });
}

export function installedIgnition(base: string, mac: Mac, hostname: string): string {
  const hyp = mac.replace(/:/g, '-');
  return JSON.stringify({
    ignition: { version: '3.3.0' },
    passwd: { users: [{ name: 'core', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJb4H0m8XG5ojx9RgE1KGlUFMr6cIOVmyfHUpvGH2rQl racker-sim-test'] }] },
    storage: { files: [{ path: '/etc/hostname', mode: 0o644, contents: { source: dataUrl(`${hostname}\n`) } }] },
    systemd: { units: [{ name: 'phone-home.service', enabled: true, contents: oneshot('Report ready', `/usr/bin/curl -fsS -X POST -d '{"status":"ready","host":"${macHex(mac)}"}' '${base}/racker/v1/events?mac=${hyp}'`) }] },
  });
}
