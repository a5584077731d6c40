/**
 * The install boot's hardware inventory: `racker-inventory` reads what the live system has
 * (/sys/class/dmi/id, /proc/cpuinfo, /proc/meminfo, `lsblk -J -b`, /sys/class/net) and posts it
 * to the phone-home endpoint with status `inventory` and the node's token, before the install
 * touches a disk. bash, coreutils, lsblk and curl only (Flatcar's live system has no jq or node).
 * Text read from the hardware is reduced to a safe character set before it goes into the JSON;
 * lsblk's JSON goes in as lsblk wrote it. The agent checks it all (agent/inventory/hardware.ts).
 */
import { HEADERS_FILE } from './phone-home.js';
import { shQuote } from './shell.js';

export const INVENTORY_SCRIPT = '/opt/racker/bin/racker-inventory';
/** The columns the agent reads; fewer than -O, so a server with many disks stays under the size bound. */
export const INVENTORY_LSBLK_COLUMNS = 'NAME,PATH,TYPE,SIZE,RM,RO,ROTA,TRAN,MODEL,SERIAL,WWN,FSTYPE';
/** The body's bound on the node; the agent refuses more than 64 KiB. */
export const INVENTORY_MAX_BYTES = 60_000;

export function inventoryScript(url: string, mac: string, headersFile = HEADERS_FILE): string {
  return `#!/bin/bash
# racker-inventory: post this server's hardware to the racker agent (generated, do not edit).
set -euo pipefail
# One locale for what is kept of the hardware's strings below (ASCII), whatever the system sets.
export LC_ALL=C
# Builtins only in the helpers below: a process per field costs seconds on a slow machine (an
# emulated one: 14 s of the install boot under QEMU/TCG with tr, cut and cat per field).
# A JSON string of what the hardware says, reduced to characters that need no escaping (letters
# and digits of the C locale set above), at most 120 of them.
str() { local v="\${1:-}"; v="\${v//[^[:alnum:] ._:\\/()=,+@#-]/}"; printf '"%s"' "\${v:0:120}"; }
num() { case "\${1:-}" in '' | *[!0-9]*) printf null ;; *) printf '%s' "$1" ;; esac; }
dmi() { local v=""; { IFS= read -r v || true; } 2>/dev/null < "/sys/class/dmi/id/$1" || true; printf '%s' "$v"; }
system="{\\"vendor\\":$(str "$(dmi sys_vendor)"),\\"product\\":$(str "$(dmi product_name)"),\\"serial\\":$(str "$(dmi product_serial)"),\\"uuid\\":$(str "$(dmi product_uuid)")"
system="$system,\\"boardVendor\\":$(str "$(dmi board_vendor)"),\\"boardProduct\\":$(str "$(dmi board_name)"),\\"boardSerial\\":$(str "$(dmi board_serial)")"
system="$system,\\"biosVendor\\":$(str "$(dmi bios_vendor)"),\\"biosVersion\\":$(str "$(dmi bios_version)"),\\"biosDate\\":$(str "$(dmi bios_date)")}"
cpus="$(grep -c '^processor' /proc/cpuinfo || true)"
sockets="$(sed -n 's/^physical id[[:space:]]*: //p' /proc/cpuinfo | sort -u | wc -l)"
[ "$sockets" -gt 0 ] || sockets=1
cpumodel="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
memkb="$(sed -n 's/^MemTotal:[[:space:]]*\\([0-9]*\\) kB$/\\1/p' /proc/meminfo)"
nics=""
for i in /sys/class/net/*; do
  [ -e "$i/device" ] || continue # physical NICs only (not lo, bridges, VLANs)
  speed="$(cat "$i/speed" 2>/dev/null || true)"
  nics="$nics\${nics:+,}{\\"name\\":$(str "\${i##*/}"),\\"mac\\":$(str "$(cat "$i/address")"),\\"driver\\":$(str "$(basename "$(readlink "$i/device/driver" 2>/dev/null || true)")"),\\"speedMbps\\":$(num "$speed")}"
done
body() { # lsblk's JSON for the disks part
  printf '{"mac":%s,"status":"inventory","inventory":{"system":%s,"cpu":{"model":%s,"count":%s,"sockets":%s},"memoryBytes":%s,"nics":[%s],"disks":%s}}' \\
    ${shQuote(`"${mac}"`)} "$system" "$(str "$cpumodel")" "$(num "$cpus")" "$sockets" "$(( \${memkb:-0} * 1024 ))" "$nics" "$1"
}
disks="$(lsblk -J -b -o ${INVENTORY_LSBLK_COLUMNS} 2>/dev/null || echo '{"blockdevices":[]}')"
out="$(body "$disks")"
# Too many disks and partitions: whole disks only, then none, rather than a body the agent refuses.
if [ "\${#out}" -gt ${INVENTORY_MAX_BYTES} ]; then out="$(body "$(lsblk -J -b -d -o ${INVENTORY_LSBLK_COLUMNS} 2>/dev/null || true)")"; fi
if [ "\${#out}" -gt ${INVENTORY_MAX_BYTES} ]; then out="$(body '{"blockdevices":[]}')"; fi
printf '%s' "$out" | curl --fail --silent --show-error --retry 10 --retry-delay 3 --retry-all-errors --max-time 30 \\
  -H @${headersFile} -H 'Content-Type: application/json' --data-binary @- ${shQuote(url)}
`;
}
