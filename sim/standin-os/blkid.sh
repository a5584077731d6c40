#!/bin/sh
# blkid of the stand-in OS: `blkid -t LABEL=X -o device` (what install scripts use to find the OEM
# partition) answered from busybox blkid's listing; anything else goes to busybox blkid.
token= out=
while [ $# -gt 0 ]; do
  case "$1" in
    -t) token=$2; shift ;;
    -o) out=$2; shift ;;
    -*) ;;
    *) ;;
  esac
  shift
done
if [ -n "$token" ]; then
  key=${token%%=*}
  val=${token#*=}
  val=${val#\"}; val=${val%\"}
  busybox blkid | while IFS= read -r line; do
    case "$line" in *" $key=\"$val\""*)
      d=${line%%:*}
      if [ "$out" = device ]; then echo "$d"; else echo "$line"; fi ;;
    esac
  done | grep . || exit 2
  exit 0
fi
exec busybox blkid
