#!/bin/sh
# flatcar-install of the stand-in OS. Accepts flatcar-install's options; like the real one it
# downloads flatcar_production_image.bin.bz2 (and its .sig) from -b BASEURL/-V VERSION (or the
# channel's release server) unless -f gives a local image, then, instead of writing that image,
# writes the stand-in's installed layout to the target disk (-d DEVICE, or -s: the smallest disk of
# at least 10 GiB):
# one ext4 file system labelled OEM holding grub.cfg (which install scripts append to), config.ign
# (-i) and the "installed" and "first_boot" markers that the stand-in's disk boot reads.
set -e
usage() { echo "Usage: flatcar-install [-d DEVICE | -s] [-V VERSION] [-C CHANNEL] [-b BASEURL] [-i IGNITION] [-f IMAGE] [-o OEM] ..." >&2; exit 1; }
dev= smallest= version=current channel=stable base= ign= image=
while getopts "d:sV:C:B:b:i:f:o:c:t:k:K:e:I:unvyhD" opt; do
  case "$opt" in
    d) dev=$OPTARG ;; s) smallest=1 ;; V) version=$OPTARG ;; C) channel=$OPTARG ;; b) base=$OPTARG ;;
    i) ign=$OPTARG ;; f) image=$OPTARG ;; h) usage ;; *) ;;
  esac
done
if [ -z "$dev" ] && [ -n "$smallest" ]; then
  best=
  for b in /sys/block/vd* /sys/block/sd*; do
    [ -e "$b" ] || continue
    [ "$(cat "$b/removable" 2>/dev/null)" = 1 ] && continue
    size=$(cat "$b/size")
    # Like the real -s: only disks of at least 10 GiB (20971520 sectors), so not a small USB stick.
    [ "$size" -ge 20971520 ] || continue
    if [ -z "$best" ] || [ "$size" -lt "$bestsize" ]; then best=/dev/$(basename "$b"); bestsize=$size; fi
  done
  dev=$best
fi
[ -n "$dev" ] || { echo "flatcar-install: no target disk (-d DEVICE or -s)" >&2; usage; }
[ -b "$dev" ] || { echo "flatcar-install: $dev is not a block device" >&2; exit 1; }
if [ -n "$image" ]; then
  [ -f "$image" ] || { echo "flatcar-install: $image not found" >&2; exit 1; }
else
  [ -n "$base" ] || base="https://$channel.release.flatcar-linux.net/amd64-usr"
  url="${base%/}/$version/flatcar_production_image.bin.bz2"
  echo "Downloading, writing and verifying flatcar_production_image.bin.bz2..."
  curl -fsS -o /tmp/flatcar_production_image.bin.bz2 "$url" || { echo "flatcar-install: cannot download $url" >&2; exit 1; }
  curl -fsS -o /tmp/flatcar_production_image.bin.bz2.sig "$url.sig" || echo "flatcar-install: no signature at $url.sig (the stand-in does not verify it)"
fi
mke2fs -q -L OEM "$dev"
mkdir -p /mnt/oem
mount -t ext4 "$dev" /mnt/oem
mkdir -p /mnt/oem/racker-standin
date >/mnt/oem/racker-standin/installed
touch /mnt/oem/racker-standin/first_boot
: >/mnt/oem/grub.cfg
[ -n "$ign" ] && cp "$ign" /mnt/oem/config.ign
umount /mnt/oem
sync
mkdir -p /dev/disk/by-label && ln -sf "$dev" /dev/disk/by-label/OEM
echo "Success! Flatcar Container Linux $version (racker stand-in) is installed on $dev"
