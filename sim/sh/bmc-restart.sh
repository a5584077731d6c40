#!/bin/sh
# Restart one node's ipmi_sim bound to ADDRESS (lan.conf rendered from lan.conf.in).
#   bmc-restart.sh NODE_DIR ADDRESS
set -e
d=$1
addr=$2
. "$d/node.env"
umask 077
sed "s/@ADDR@/$addr/" "$d/lan.conf.in" >"$d/lan.conf.tmp"
mv "$d/lan.conf.tmp" "$d/lan.conf"
old=$(cat "$d/ipmi_sim.pid" 2>/dev/null || true)
if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
  kill -CONT "$old" 2>/dev/null || true
  kill "$old" 2>/dev/null || true
  i=0
  while kill -0 "$old" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
  kill -KILL "$old" 2>/dev/null || true
fi
mkdir -p "$d/bmc-state"
echo "$addr" >"$d/bmc-address"
# ipmi_sim dies of SIGPIPE when a VM drops its in-band connection mid-handshake: ignore it (inherited).
trap '' PIPE
setsid ipmi_sim -c "$d/lan.conf" -f "$d/bmc.emu" -s "$d/bmc-state" -n </dev/null >>"$d/ipmi_sim.log" 2>&1 &
echo $! >"$d/ipmi_sim.pid"
