#!/bin/sh
# What udev records about block devices on a real system, for lsblk (racker's disk selection and
# hardware inventory read SERIAL and FSTYPE through it; this stand-in has no udev): each disk's
# serial number (virtio's own attribute, a USB stick's from its USB device) and what blkid finds.
mkdir -p /run/udev/data
for b in /sys/class/block/*; do
  [ -e "$b/dev" ] || continue
  name=${b##*/}
  serial=$(cat "$b/serial" 2>/dev/null || cat "$(readlink -f "$b/device")/../../../../serial" 2>/dev/null || true)
  probe=$(busybox blkid "/dev/$name" 2>/dev/null || true)
  {
    echo "I:1"
    [ -n "$serial" ] && echo "E:ID_SERIAL=$serial" && echo "E:ID_SERIAL_SHORT=$serial"
    t=$(echo "$probe" | sed -n 's/.* TYPE="\([^"]*\)".*/\1/p')
    [ -n "$t" ] && echo "E:ID_FS_TYPE=$t"
    l=$(echo "$probe" | sed -n 's/.* LABEL="\([^"]*\)".*/\1/p')
    [ -n "$l" ] && echo "E:ID_FS_LABEL=$l"
    true
  } >"/run/udev/data/b$(cat "$b/dev")"
done
