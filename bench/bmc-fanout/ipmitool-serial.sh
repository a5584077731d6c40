#!/usr/bin/env bash
# What the original did: one ipmitool process per call, one BMC after another.
# Usage: ipmitool-serial.sh HOSTS_FILE status|pxe-cycle   (IPMI_USER, IPMI_PASSWORD in the environment)
set -euo pipefail
hosts=$1 workload=$2
one() {
  local a=$1 p=$2
  local I=(ipmitool -I lanplus -C 3 -H "$a" -p "$p" -U "${IPMI_USER:-admin}" -E)
  if [ "$workload" = status ]; then "${I[@]}" chassis power status >/dev/null; return; fi
  "${I[@]}" raw 0x00 0x08 0x03 0x1f >/dev/null
  "${I[@]}" chassis bootdev pxe options=persistent,efiboot >/dev/null
  "${I[@]}" chassis bootparam get 5 >/dev/null
  if "${I[@]}" chassis power status | grep -q ' on$'; then "${I[@]}" chassis power cycle >/dev/null; else "${I[@]}" chassis power on >/dev/null; fi
}
while read -r a p; do one "$a" "$p"; done < "$hosts"
