#!/bin/sh
# Runs one node's QEMU for as long as its chassis is powered on. QEMU runs with -no-reboot, so a
# guest reboot ends the process; this loop then starts it again with the boot device of that
# moment (QEMU cannot change its boot device while it runs). Power off (chassis-control.sh writes
# power=0 and stops QEMU) ends the loop. With UEFI every start gets a fresh copy of OVMF_VARS:
# saved boot entries would otherwise send the next PXE boot into minutes of HTTP-boot attempts.
d=$1
. "$d/node.env"
echo $$ >"$d/runner.pid"
while [ "$(cat "$d/power" 2>/dev/null)" = 1 ]; do
  boot=$(cat "$d/boot" 2>/dev/null || echo default)
  case "$boot" in
    pxe) argsfile="$d/qemu-pxe.args" ;;
    *) argsfile="$d/qemu-disk.args" ;;
  esac
  if [ -n "$OVMF_VARS_TEMPLATE" ]; then cp "$OVMF_VARS_TEMPLATE" "$d/OVMF_VARS.fd"; fi
  set --
  while IFS= read -r a; do set -- "$@" "$a"; done <"$argsfile"
  started=$(date +%s)
  echo "$(date +%s.%N) start $boot" >>"$d/events"
  "$QEMU" "$@" </dev/null >>"$d/qemu.log" 2>&1 &
  echo $! >"$d/qemu.pid"
  wait $!
  rc=$?
  echo "$(date +%s.%N) stop rc=$rc" >>"$d/events"
  rm -f "$d/qemu.pid"
  # A QEMU that dies at once (bad tap, missing file) must not spin: its log says why.
  if [ $(( $(date +%s) - started )) -lt 2 ]; then sleep 2; fi
done
rm -f "$d/runner.pid"
