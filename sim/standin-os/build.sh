#!/bin/sh
# Build the stand-in OS (kernel + initramfs) the simulated servers PXE-boot into OUT_DIR:
#   - the Debian kernel (linux-image-amd64's current image), fetched with `apt-get download` and
#     unpacked here, never installed on this machine (installing it would touch the host's boot
#     loader); the modules for virtio (net, blk, rng), ext4, in-band IPMI and a USB stick go into the image;
#   - a Debian bookworm minbase root (mmdebstrap) with packages.txt's packages: real systemd, udev,
#     networkd and sshd, Debian's Ignition, util-linux; trimmed of documentation, locales and perl;
#   - the files under rootfs/ (the units that run Ignition before the boot's units, the disk boot,
#     flatcar-install, zz-default.network, sshd and journald settings) and user core (uid 500, as on
#     Flatcar), packed as the initramfs, whose /init is systemd (the rdinit= default).
# Outputs: OUT_DIR/vmlinuz, OUT_DIR/initramfs.cpio.zst, and OUT_DIR/flatcar/current/ with Flatcar's
# PXE file names (flatcar_production_pxe.vmlinuz, flatcar_production_pxe_image.cpio.gz,
# flatcar_production_image.bin.bz2, version.txt) for a boot service's local asset directory.
#   build.sh OUT_DIR [DEBS_DIR]      (DEBS_DIR caches the downloaded kernel package; default OUT_DIR/debs)
set -eu
out=$1
debs=${2:-$1/debs}
here=$(cd "$(dirname "$0")" && pwd)
for t in mmdebstrap busybox zstd apt-get; do
  command -v "$t" >/dev/null || { echo "build.sh: $t is missing (scripts/debian-packages.txt)" >&2; exit 1; }
done
mkdir -p "$out"
work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. The kernel package: the version linux-image-amd64 depends on.
kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || { echo "build.sh: cannot tell which kernel linux-image-amd64 depends on (apt-get update?)" >&2; exit 1; }
mkdir -p "$debs"
if ! ls "$debs/${kpkg}_"*.deb >/dev/null 2>&1; then
  (cd "$debs" && apt-get download "$kpkg") >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; echo "build.sh: apt-get download $kpkg failed" >&2; exit 1; }
fi
dpkg-deb -x "$(ls "$debs/${kpkg}_"*.deb | head -n1)" "$work/kernel"
kver=$(ls "$work/kernel/lib/modules" | head -n1)
cp "$work/kernel/boot/vmlinuz-$kver" "$work/vmlinuz"

# 2. The root: Debian minbase with packages.txt, without documentation, man pages and locales.
packages=$(sed -e 's/#.*//' -e '/^\s*$/d' "$here/packages.txt" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
r="$work/root"
# force-unsafe-io: no fsync per unpacked file (most of dpkg's time here); a build that dies is
# thrown away whole, so durability buys nothing.
mmdebstrap --quiet --variant=minbase --include="$packages" --dpkgopt=force-unsafe-io \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  bookworm "$r" >"$work/mmdebstrap.log" 2>&1 || { tail -n 30 "$work/mmdebstrap.log" >&2; exit 1; }
cp -a "$here/rootfs/." "$r/"
ln -sf /lib/systemd/systemd "$r/init"
# Flatcar's user core; '*': no password, but not locked (sshd takes its keys).
chroot "$r" useradd -K UID_MIN=500 -u 500 -U -m -s /bin/bash -c 'Flatcar Admin' -G adm,systemd-journal -p '*' core
# An empty machine-id: systemd makes a new one at every boot (each server its own DHCP and journal identity).
: >"$r/etc/machine-id"
rm -f "$r"/etc/ssh/ssh_host_*
# No host name in the image (as on Flatcar): Ignition writes /etc/hostname, without overwrite if it likes.
rm -f "$r/etc/hostname"
chroot "$r" systemctl enable --quiet systemd-networkd.service racker-standin-disk.service racker-standin-ignition.service racker-standin-ssh-keys.service
chroot "$r" systemctl set-default --quiet multi-user.target
# Timers a short-lived server in RAM has no use for.
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-pstore.service getty@tty1.service; do
  chroot "$r" systemctl mask --quiet "$u"
done
# Trim (what is unpacked into RAM at every boot): perl (only package scripts use it), udev's
# hardware database (names for lsusb and the like), iconv's converters, ignition-validate, apt's
# caches and lists, logs.
rm -rf "$r"/usr/bin/perl* "$r"/usr/lib/x86_64-linux-gnu/perl* "$r"/usr/lib/x86_64-linux-gnu/libperl* "$r"/usr/share/perl* \
  "$r"/usr/lib/udev/hwdb.bin "$r"/usr/lib/udev/hwdb.d "$r"/etc/udev/hwdb.bin "$r"/usr/lib/x86_64-linux-gnu/gconv "$r"/usr/bin/ignition-validate \
  "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* "$r"/var/log/*.log "$r"/usr/share/zoneinfo/right "$r"/usr/share/zoneinfo/posix

# 3. Kernel modules: the list in modules-load.d and their dependencies; depmod (kmod) indexes them for udev.
mods=$(sed -e 's/#.*//' -e '/^\s*$/d' "$here/rootfs/etc/modules-load.d/racker-standin.conf")
mdir="$work/kernel/lib/modules/$kver"
busybox depmod -b "$work/kernel" "$kver" # the package ships no modules.dep (depmod makes it at install)
: >"$work/order"
add_mod() { # module name → its path and its dependencies' paths, dependencies first (recursive: locals)
  local path dep name
  path=$(sed -n "s#^\(\(kernel/\)\?[^:]*/$(echo "$1" | sed 's/[-_]/[-_]/g')\.ko\(\.[a-z]*\)\?\):.*#\1#p" "$mdir/modules.dep" | head -n1)
  if [ -z "$path" ] && grep -q "/$(echo "$1" | sed 's/[-_]/[-_]/g')\.ko\$" "$mdir/modules.builtin" 2>/dev/null; then return 0; fi # built into the kernel
  [ -n "$path" ] || { echo "build.sh: kernel module $1 not found in $kver" >&2; exit 1; }
  grep -qx "$path" "$work/order" && return 0
  for dep in $(sed -n "s#^$path: *##p" "$mdir/modules.dep"); do
    name=$(basename "$dep" | sed 's/\.ko.*$//')
    add_mod "$name"
  done
  grep -qx "$path" "$work/order" || echo "$path" >>"$work/order"
}
for m in $mods crc32c_generic; do add_mod "$m"; done
mkdir -p "$r/lib/modules/$kver"
while read -r p; do
  mkdir -p "$r/lib/modules/$kver/$(dirname "$p")"
  cp "$mdir/$p" "$r/lib/modules/$kver/$p"
done <"$work/order"
for f in modules.builtin modules.builtin.modinfo modules.order; do
  [ -f "$mdir/$f" ] && cp "$mdir/$f" "$r/lib/modules/$kver/$f"
done
chroot "$r" depmod "$kver"
[ -e "$r/dev/console" ] || mknod -m 600 "$r/dev/console" c 5 1
echo "racker-standin $(du -sh "$r" | cut -f1) unpacked" >"$work/size"

# 4. Pack: a zstd newc cpio (the kernel's RD_ZSTD: quicker to unpack under emulation than gzip).
(cd "$r" && find . -mindepth 1 | busybox cpio -o -H newc 2>/dev/null) | zstd -q -T0 -12 >"$work/initramfs.cpio.zst"
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/initramfs.cpio.zst" "$out/initramfs.cpio.zst"
echo "$kver" >"$out/kernel-version"

# 5. Flatcar's asset names, for a boot service's local asset directory (the file name is Flatcar's;
# the kernel detects the compression from the content).
fc="$out/flatcar/current"
mkdir -p "$fc"
ln -f "$out/vmlinuz" "$fc/flatcar_production_pxe.vmlinuz"
ln -f "$out/initramfs.cpio.zst" "$fc/flatcar_production_pxe_image.cpio.gz"
printf 'racker stand-in OS image: flatcar-install (stand-in) downloads this file and writes its own layout\n' | bzip2 >"$fc/flatcar_production_image.bin.bz2"
printf 'FLATCAR_VERSION=0.0.0-standin\nFLATCAR_VERSION_ID=0.0.0-standin\nFLATCAR_BUILD_ID=racker-standin\n' >"$fc/version.txt"
echo "built the stand-in OS in $out (kernel $kver, $(cat "$work/size"), initramfs $(du -h "$out/initramfs.cpio.zst" | cut -f1))"
