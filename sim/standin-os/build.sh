#!/bin/sh
# Build the stand-in OS (kernel + initramfs) from Debian packages into OUT_DIR:
#   - the Debian kernel (linux-image-amd64's current image), fetched with `apt-get download` and
#     unpacked here, never installed on this machine (installing it would touch the host's boot loader);
#     the modules for virtio (net, blk, rng), ext4 and in-band IPMI go into the initramfs;
#   - busybox (Debian's busybox), bash and curl (what Ignition units call), lsblk and wipefs
#     (util-linux: racker's install-disk selection and hardware inventory), the real `ignition` from
#     Debian's ignition package (/usr/lib/dracut/modules.d/30ignition/ignition) and shadow's
#     useradd/usermod/groupadd (Ignition calls them for users), each with the libraries ldd lists;
#   - /init and the helpers next to this script (flatcar-install, systemctl, run-units, ...).
# Outputs: OUT_DIR/vmlinuz, OUT_DIR/initramfs.cpio.gz, and OUT_DIR/flatcar/current/ with Flatcar's
# PXE file names (flatcar_production_pxe.vmlinuz, flatcar_production_pxe_image.cpio.gz,
# flatcar_production_image.bin.bz2, version.txt) for a boot service's local asset directory.
#   build.sh OUT_DIR [DEBS_DIR]      (DEBS_DIR caches the downloaded kernel package; default OUT_DIR/debs)
set -eu
out=$1
debs=${2:-$1/debs}
here=$(cd "$(dirname "$0")" && pwd)
ignition=/usr/lib/dracut/modules.d/30ignition/ignition
for f in "$ignition" /usr/bin/busybox /usr/bin/curl /bin/bash /usr/sbin/useradd /usr/sbin/usermod /usr/sbin/groupadd /usr/bin/lsblk /usr/sbin/wipefs; do
  [ -x "$f" ] || { echo "build.sh: $f is missing; install Debian's ignition, busybox, curl, bash, passwd and util-linux packages" >&2; exit 1; }
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

# 2. The root file system.
r="$work/root"
mkdir -p "$r"/bin "$r"/sbin "$r"/usr/bin "$r"/usr/sbin "$r"/usr/lib/racker-standin "$r"/etc/systemd/system \
  "$r"/dev "$r"/proc "$r"/sys "$r"/run "$r"/tmp "$r"/root "$r"/home/core "$r"/var/lib "$r"/mnt "$r"/lib64 "$r"/usr/share/udhcpc
copy_bin() { # binary [destination]: copy it and the shared libraries it needs
  dest=${2:-$1}
  mkdir -p "$r$(dirname "$dest")"
  cp -L "$1" "$r$dest"
  ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^\s*\(\/lib64\/[^ ]*\) .*/\1/p' | while read -r lib; do
    [ -e "$r$lib" ] || { mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"; }
  done
}
copy_bin /usr/bin/busybox /bin/busybox
for applet in $(busybox --list); do
  [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
done
copy_bin /bin/bash /bin/bash
copy_bin /usr/bin/curl /usr/bin/curl
copy_bin /usr/bin/lsblk /usr/bin/lsblk
copy_bin /usr/sbin/wipefs /usr/sbin/wipefs
copy_bin "$ignition" /usr/bin/ignition
for t in useradd usermod groupadd; do copy_bin "/usr/sbin/$t" "/usr/sbin/$t"; done
[ -f /etc/login.defs ] && cp /etc/login.defs "$r/etc/login.defs"
cp "$here/init.sh" "$r/init"
cp "$here/flatcar-install.sh" "$r/usr/bin/flatcar-install"
cp "$here/systemctl.sh" "$r/usr/bin/systemctl"
cp "$here/run-units.sh" "$r/usr/lib/racker-standin/run-units"
cp "$here/udev-db.sh" "$r/usr/lib/racker-standin/udev-db"
cp "$here/udhcpc-script.sh" "$r/usr/share/udhcpc/default.script"
printf '#!/bin/sh\n# stand-in: no udev; devices exist once the kernel made them\nexit 0\n' >"$r/usr/bin/udevadm"
cp "$here/blkid.sh" "$r/usr/sbin/blkid"
# Debian's Ignition relabels what it writes (SELinux); the stand-in has no SELinux: a policy name
# for it to read and a setfiles that labels nothing.
mkdir -p "$r/etc/selinux"
printf 'SELINUX=disabled\nSELINUXTYPE=targeted\n' >"$r/etc/selinux/config"
printf '#!/bin/sh\n# stand-in: no SELinux, nothing to label\ncat >/dev/null\nexit 0\n' >"$r/usr/sbin/setfiles"
chmod 755 "$r/init" "$r/usr/bin/"* "$r/usr/sbin/blkid" "$r/usr/sbin/setfiles" "$r/usr/lib/racker-standin/run-units" "$r/usr/lib/racker-standin/udev-db" "$r/usr/share/udhcpc/default.script"
cat >"$r/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/bash
core:x:500:500:Flatcar Admin:/home/core:/bin/bash
PW
cat >"$r/etc/group" <<'GR'
root:x:0:
wheel:x:10:core
sudo:x:27:core
docker:x:233:core
core:x:500:
GR
printf 'root:*:19000:0:99999:7:::\ncore:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
printf 'root:*::\nwheel:*::core\nsudo:*::core\ndocker:*::core\ncore:!::\n' >"$r/etc/gshadow"
chmod 600 "$r/etc/shadow" "$r/etc/gshadow"
printf 'ID=flatcar\nNAME="Flatcar Container Linux by Kinvolk (racker stand-in)"\nVERSION=0.0.0-standin\nVERSION_ID=0.0.0-standin\n' >"$r/etc/os-release"
chown -R 500:500 "$r/home/core"

# 3. Kernel modules, with their dependencies, in load order.
# xhci-pci, usb-storage, sd_mod: the simulated server's USB stick (sim/hardware.ts).
mods="virtio_pci virtio_net virtio_blk virtio-rng crc32c_generic ext4 ipmi_si ipmi_devintf xhci-pci usb-storage sd_mod"
mdir="$work/kernel/lib/modules/$kver"
busybox depmod -b "$work/kernel" "$kver" # the package ships no modules.dep (depmod makes it at install)
: >"$work/order"
add_mod() { # module name → its path and its dependencies' paths, dependencies first (recursive: locals)
  local path dep name
  path=$(sed -n "s#^\(\(kernel/\)\?[^:]*/$1\.ko\(\.[a-z]*\)\?\):.*#\1#p" "$mdir/modules.dep" | head -n1)
  if [ -z "$path" ] && grep -q "/$1\.ko\$" "$mdir/modules.builtin" 2>/dev/null; then return 0; fi # built into the kernel
  [ -n "$path" ] || { echo "build.sh: kernel module $1 not found in $kver" >&2; exit 1; }
  grep -qx "$path" "$work/order" && return 0
  for dep in $(sed -n "s#^$path: *##p" "$mdir/modules.dep"); do
    name=$(basename "$dep" | sed 's/\.ko.*$//')
    add_mod "$name"
  done
  grep -qx "$path" "$work/order" || echo "$path" >>"$work/order"
}
for m in $mods; do add_mod "$m"; done
mkdir -p "$r/lib/modules/$kver"
while read -r p; do
  mkdir -p "$r/lib/modules/$kver/$(dirname "$p")"
  cp "$mdir/$p" "$r/lib/modules/$kver/$p"
  echo "/lib/modules/$kver/$p" >>"$r/etc/modules-load-order"
done <"$work/order"

# 4. Pack: a gzip'd newc cpio (the kernel's RD_GZIP); device nodes are made by devtmpfs at boot.
(cd "$r" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -6 >"$work/initramfs.cpio.gz"
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
echo "$kver" >"$out/kernel-version"

# 5. Flatcar's asset names, for a boot service's local asset directory.
fc="$out/flatcar/current"
mkdir -p "$fc"
ln -f "$out/vmlinuz" "$fc/flatcar_production_pxe.vmlinuz"
ln -f "$out/initramfs.cpio.gz" "$fc/flatcar_production_pxe_image.cpio.gz"
printf 'racker stand-in OS image: flatcar-install (stand-in) downloads this file and writes its own layout\n' | bzip2 >"$fc/flatcar_production_image.bin.bz2"
printf 'FLATCAR_VERSION=0.0.0-standin\nFLATCAR_VERSION_ID=0.0.0-standin\nFLATCAR_BUILD_ID=racker-standin\n' >"$fc/version.txt"
echo "built the stand-in OS in $out (kernel $kver, initramfs $(du -h "$out/initramfs.cpio.gz" | cut -f1))"
