#!/bin/sh
# Build the simulated management node's root file system into OUT_DIR/rootfs: Debian bookworm
# minbase (mmdebstrap) with the packages in packages.txt, trimmed of documentation and locales,
# with the settings a container needs (no getty on a console it does not have). racker itself is
# not in it: racker-sim installs the payload with installer/extract, as on a real host.
#   build.sh OUT_DIR
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v mmdebstrap >/dev/null || { echo "build.sh: mmdebstrap is missing (scripts/debian-packages.txt)" >&2; exit 1; }
packages=$(sed -e 's/#.*//' -e '/^\s*$/d' "$here/packages.txt" | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
mkdir -p "$out"
work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# force-unsafe-io: no fsync per unpacked file (most of dpkg's time here); a build that dies is
# thrown away whole, so durability buys nothing.
mmdebstrap --quiet --variant=minbase --include="$packages" --dpkgopt=force-unsafe-io \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  bookworm "$work/rootfs" >"$work/mmdebstrap.log" 2>&1 || { tail -n 30 "$work/mmdebstrap.log" >&2; exit 1; }
r="$work/rootfs"
echo racker-mgmt >"$r/etc/hostname"
# nspawn's console is a pipe: no getty on it. No networkd: racker-sim configures the namespace.
ln -sf /dev/null "$r/etc/systemd/system/console-getty.service"
ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
rm -rf "$r/var/cache/apt/archives"/*.deb "$r/var/lib/apt/lists"/*
rm -rf "$out/rootfs"
mv "$r" "$out/rootfs"
