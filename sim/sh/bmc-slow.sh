#!/bin/sh
# Fault bmc-slow: keep one node's ipmi_sim frozen 0.9 s of every second, so it answers late (this
# kernel has no netem to delay packets). Reads the pid each round: the BMC may be restarted.
#   bmc-slow.sh NODE_DIR
d=$1
trap 'p=$(cat "$d/ipmi_sim.pid" 2>/dev/null); [ -n "$p" ] && kill -CONT "$p"; exit 0' TERM INT
while :; do
  p=$(cat "$d/ipmi_sim.pid" 2>/dev/null)
  [ -n "$p" ] && kill -STOP "$p" 2>/dev/null
  sleep 0.9
  [ -n "$p" ] && kill -CONT "$p" 2>/dev/null
  sleep 0.1
done
