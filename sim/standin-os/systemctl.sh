#!/bin/sh
# systemctl of the stand-in OS: reboot and poweroff act, start runs units, the rest succeed quietly.
verb=
units=
for a in "$@"; do
  case "$a" in
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$a; else units="$units $a"; fi ;;
  esac
done
case "$verb" in
  reboot|kexec|soft-reboot)
    echo "racker-standin: reboot"; sync; umount /mnt/oem 2>/dev/null; reboot -f ;;
  poweroff|halt)
    echo "racker-standin: power off"; sync; umount /mnt/oem 2>/dev/null; poweroff -f ;;
  start|restart)
    for u in $units; do /usr/lib/racker-standin/run-units "$u"; done ;;
  *) exit 0 ;;
esac
