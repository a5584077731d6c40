#!/bin/sh
# (Re)start one node's BMC on an address: put the address on the BMC's interface, send the BMC's
# replies out of that interface (policy routing: every BMC shares the rack namespace and subnet, and
# without it replies would leave through the first BMC's interface with the wrong MAC), fill the
# address into lan.conf and restart ipmi_sim. Used at create (pinned addresses) and by the DHCP hook.
#   bmc-start.sh NODE_DIR ADDRESS PREFIX
set -e
d=$1
addr=$2
prefix=$3
. "$d/node.env"
ip addr flush dev "$IFACE"
ip addr add "$addr/$prefix" dev "$IFACE"
ip rule del pref "$TABLE" 2>/dev/null || true
ip rule add pref "$TABLE" from "$addr" table "$TABLE"
ip route replace default dev "$IFACE" table "$TABLE"
sh "$SIM_SH/bmc-restart.sh" "$d" "$addr"
