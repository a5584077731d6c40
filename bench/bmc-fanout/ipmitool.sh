#!/usr/bin/env bash
# ipmitool, one process per call, for every BMC in HOSTS_FILE ("address port" lines):
#   serial    one BMC after another (what the original racker did)
#   parallel  every BMC at once (each BMC's own calls still in order)
# Usage: ipmitool.sh serial|parallel HOSTS_FILE status|pxe-cycle   (IPMI_USER, IPMI_PASSWORD in the environment)
set -euo pipefail
mode=$1 hosts=$2 workload=$3
one() {
  local a=$1 p=$2
  local I=(ipmitool -I lanplus -C 3 -H "$a" -p "$p" -U "${IPMI_USER:-admin}" -E)
  if [ "$workload" = status ]; then "${I[@]}" chassis power status >/dev/null; return; fi
  "${I[@]}" raw 0x00 0x08 0x03 0x1f >/dev/null
  "${I[@]}" chassis bootdev pxe options=persistent,efiboot >/dev/null
  "${I[@]}" chassis bootparam get 5 >/dev/null
  if "${I[@]}" chassis power status | grep -q ' on$'; then "${I[@]}" chassis power cycle >/dev/null; else "${I[@]}" chassis power on >/dev/null; fi
}
if [ "$mode" = serial ]; then
  while read -r a p; do one "$a" "$p"; done < "$hosts"
  exit 0
fi
pids=()
while read -r a p; do one "$a" "$p" & pids+=($!); done < "$hosts"
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit $rc
