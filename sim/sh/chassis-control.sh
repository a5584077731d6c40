#!/bin/sh
# chassis_control program of one simulated BMC. ipmi_sim runs it through popen() and blocks until it
# exits, so it must return quickly and leave nothing holding its stdout (the VM runner is started
# with setsid and its own output files). Called as:
#   chassis-control.sh NODE_DIR get power|boot ...      → power:0|1, boot:<dev>
#   chassis-control.sh NODE_DIR set power 0|1 | reset 1 | shutdown 1 | boot <dev> | identify ...
# ipmitool's `bootdev disk` arrives as `default`; no persistent/once flag reaches us.
# State: NODE_DIR/power, NODE_DIR/boot; every set is appended to NODE_DIR/events.
d=$1
shift
. "$d/node.env"

alive() { # pid: running and not a zombie
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$s" ] && [ "$s" != Z ]
}
pid_of() { cat "$d/$1.pid" 2>/dev/null; }
power() { cat "$d/power" 2>/dev/null || echo 0; }

start_runner() {
  [ "$VM" = 1 ] || return 0
  alive "$(pid_of runner)" && return 0
  setsid sh "$SIM_SH/vm-runner.sh" "$d" </dev/null >>"$d/runner.log" 2>&1 &
}
stop_qemu() {
  p=$(pid_of qemu)
  alive "$p" && kill "$p" 2>/dev/null
  return 0
}

op=$1
shift
case "$op" in
  get)
    for what in "$@"; do
      case "$what" in
        power) echo "power:$(power)" ;;
        boot) echo "boot:$(cat "$d/boot" 2>/dev/null || echo default)" ;;
        *) echo "racker-sim chassis: cannot get $what" >&2; exit 1 ;;
      esac
    done
    ;;
  set)
    while [ $# -ge 2 ]; do
      echo "$(date +%s.%N) set $1 $2" >>"$d/events"
      case "$1" in
        power)
          echo "$2" >"$d/power"
          if [ "$2" = 1 ]; then start_runner; else stop_qemu; fi
          ;;
        reset)
          # The runner restarts QEMU with the boot device of this moment.
          if [ "$(power)" = 1 ]; then stop_qemu; start_runner; fi
          ;;
        shutdown) echo 0 >"$d/power"; stop_qemu ;;
        boot)
          if [ -e "$d/faults/drop-boot-flag" ]; then
            echo "$(date +%s.%N) ignored boot $2 (fault drop-boot-flag)" >>"$d/events"
          else
            echo "$2" >"$d/boot"
          fi
          ;;
        identify) ;;
        *) echo "racker-sim chassis: cannot set $1" >&2; exit 1 ;;
      esac
      shift 2
    done
    ;;
  *) echo "racker-sim chassis: unknown operation $op" >&2; exit 1 ;;
esac
exit 0
