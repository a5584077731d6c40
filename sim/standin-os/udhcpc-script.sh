#!/bin/sh
# udhcpc script of the stand-in OS: address, default route, DNS and host name from the lease.
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set dev "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    : >/etc/resolv.conf
    for s in $dns; do echo "nameserver $s" >>/etc/resolv.conf; done
    [ -n "$hostname" ] && hostname "$hostname"
    ;;
esac
exit 0
