#!/bin/sh
# /init of racker's stand-in OS: behaves like Flatcar on the wire for racker's provisioning flow.
#  PXE boot (kernel arguments from the boot service): DHCP on eth0, then, with flatcar.first_boot
#    set, the real Ignition (fetch + files stages, platform metal: ignition.config.url=), then the
#    systemd units Ignition enabled (run-units: the install script, which calls flatcar-install
#    and reboots).
#  Disk boot (racker.standin=disk, QEMU's direct kernel boot): the virtual disk must hold what
#    flatcar-install wrote, else "No bootable device" (as firmware would say). The OEM grub.cfg's
#    linux_append/linux_console become kernel arguments (bind-mounted over /proc/cmdline, where
#    Ignition reads them); on the first disk boot Ignition runs with them (ignition.config.url with
#    os=installed) and the files it wrote are kept on the disk; every disk boot restores them and
#    runs the enabled units (phone-home included).
# Not done (documented): Ignition's disks/mount stages (no partitioning, root stays in RAM), kargs.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts
log() { echo "racker-standin: $*"; }
log "starting (kernel $(uname -r))"
while read -r m; do
  out=$(insmod "$m" 2>&1) || case "$out" in *"File exists"*) ;; *) log "insmod $m: $out" ;; esac
done </etc/modules-load-order
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
log "network interfaces: $(ls /sys/class/net | tr '\n' ' ')"

cmdline=$(cat /proc/cmdline)
karg() { for w in $cmdline; do case "$w" in "$1"=*) echo "${w#*=}"; return 0 ;; esac; done; return 1; }
halt_forever() { log "$1"; while :; do sleep 3600; done; }

network_up() {
  ip link set dev lo up
  for i in /sys/class/net/eth*; do [ -e "$i" ] && ip link set dev "$(basename "$i")" up; done
  n=0
  until udhcpc -i eth0 -n -q -t 5 -T 2 -A 1 -s /usr/share/udhcpc/default.script >/run/udhcpc.log 2>&1; do
    n=$((n + 1))
    [ $n -ge 30 ] && halt_forever "no DHCP answer on eth0; giving up"
    log "no DHCP answer on eth0, retrying"
  done
  log "eth0 $(ip -4 -o addr show dev eth0 | awk '{print $4}')"
}

run_ignition() { # platform
  # Like Flatcar, Ignition writes to /sysroot: here a bind mount of this root (with -root / it
  # cannot create new directories: it walks up to the root and reports "/ doesn't seem to exist").
  mkdir -p /run/ignition /sysroot
  mountpoint -q /sysroot || mount --bind / /sysroot
  log "ignition: fetching the configuration (platform $1)"
  ignition -platform "$1" -stage fetch -log-to-stdout -root /sysroot || halt_forever "ignition fetch failed (see above)"
  ignition -platform "$1" -stage files -log-to-stdout -root /sysroot || halt_forever "ignition files failed (see above)"
  log "ignition: done"
}

oem=/mnt/oem
if karg racker.standin >/dev/null && [ "$(karg racker.standin)" = disk ]; then
  # The disk flatcar-install wrote: any virtio disk holding the stand-in's install (the install
  # disk rule may pick another than vda; a data disk's own ext4 has no marker).
  mkdir -p $oem
  disk= n=0
  while [ -z "$disk" ] && [ $n -lt 50 ]; do
    for d in /dev/vd?; do
      [ -b "$d" ] && mount -t ext4 -o ro "$d" $oem 2>/dev/null || continue
      [ -f $oem/racker-standin/installed ] && disk=$d
      umount $oem
      [ -n "$disk" ] && break
    done
    [ -n "$disk" ] || { sleep 0.1; n=$((n + 1)); }
  done
  [ -n "$disk" ] || halt_forever "No bootable device."
  mount -t ext4 "$disk" $oem || halt_forever "No bootable device."
  mkdir -p /dev/disk/by-label && ln -sf "$disk" /dev/disk/by-label/OEM
  linux_append=
  linux_console=
  if [ -f $oem/grub.cfg ]; then
    sed -n 's/^[[:space:]]*set[[:space:]]\{1,\}\(linux_append\|linux_console\)=/\1=/p' $oem/grub.cfg >/run/grub-vars
    . /run/grub-vars
  fi
  extra="$linux_console $linux_append"
  first=
  [ -f $oem/racker-standin/first_boot ] && first=1 && extra="$extra flatcar.first_boot=detected"
  echo "$cmdline $extra" >/run/cmdline
  mount --bind /run/cmdline /proc/cmdline
  cmdline=$(cat /proc/cmdline)
  log "booting the installed system"
  network_up
  if [ -n "$first" ]; then
    touch /run/ignition-stamp
    sleep 1 # mtime granularity: everything Ignition writes is newer than the stamp
    if karg ignition.config.url >/dev/null; then run_ignition metal
    elif [ -f $oem/config.ign ]; then IGNITION_CONFIG_FILE=$oem/config.ign run_ignition file
    fi
    (cd / && find . -xdev -newer /run/ignition-stamp ! -type d | grep -v -e '^./mnt/' -e '^./sysroot/' >/run/ignition-files)
    (cd / && tar -cf $oem/racker-standin/root.tar -T /run/ignition-files 2>/dev/null)
    rm -f $oem/racker-standin/first_boot
    sync
  elif [ -f $oem/racker-standin/root.tar ]; then
    (cd / && tar -xf $oem/racker-standin/root.tar)
  fi
else
  network_up
  case "$(karg flatcar.first_boot)" in
    "" | 0 | no) log "no flatcar.first_boot: Ignition does not run" ;;
    *) run_ignition metal ;;
  esac
fi

[ -f /etc/hostname ] && hostname "$(cat /etc/hostname)"
/usr/lib/racker-standin/udev-db
/usr/lib/racker-standin/run-units
log "up"
while :; do setsid cttyhack sh -l; done
