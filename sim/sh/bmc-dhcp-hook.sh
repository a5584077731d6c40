#!/bin/sh
# udhcpc script of one simulated BMC (BMC_DIR in the environment): a BMC gets its address from
# racker's dnsmasq like a real one, and ipmi_sim (which cannot DHCP) is started on the leased
# address, and restarted when the address changes.
. "$BMC_DIR/node.env"
case "$1" in
  deconfig)
    ip link set dev "$interface" up
    p=$(cat "$BMC_DIR/ipmi_sim.pid" 2>/dev/null)
    if [ -n "$p" ]; then kill "$p" 2>/dev/null; rm -f "$BMC_DIR/ipmi_sim.pid"; fi
    ip addr flush dev "$interface"
    rm -f "$BMC_DIR/bmc-address"
    ;;
  bound|renew)
    cur=$(cat "$BMC_DIR/bmc-address" 2>/dev/null)
    p=$(cat "$BMC_DIR/ipmi_sim.pid" 2>/dev/null)
    if [ "$cur" != "$ip" ] || [ -z "$p" ] || ! kill -0 "$p" 2>/dev/null; then
      echo "$(date +%s.%N) lease $ip/$mask" >>"$BMC_DIR/events"
      sh "$SIM_SH/bmc-start.sh" "$BMC_DIR" "$ip" "$mask"
    fi
    ;;
esac
exit 0
