#!/usr/bin/env bash
# FreeIPMI: all hosts in one process. ipmipower has no boot flags, so pxe-cycle is
# ipmi-chassis-config (boot flags) followed by ipmipower --cycle --on-if-off.
# ipmi_sim needs workaround opensesspriv (set in the configuration file with the credentials).
# Usage: freeipmi.sh CONFIG_FILE HOSTS_FILE status|pxe-cycle
set -euo pipefail
conf=$1 hosts=$2 workload=$3
list=$(awk '{printf "%s%s:%s", (NR>1?",":""), $1, $2}' "$hosts")
if [ "$workload" = status ]; then exec ipmipower --config-file "$conf" -h "$list" --stat >/dev/null; fi
ipmi-chassis-config --config-file "$conf" -h "$list" --commit \
  -e Chassis_Boot_Flags:Boot_Flags_Persistent=Yes -e Chassis_Boot_Flags:BIOS_Boot_Type=EFI -e Chassis_Boot_Flags:Boot_Device=PXE >/dev/null
ipmipower --config-file "$conf" -h "$list" --cycle --on-if-off >/dev/null
