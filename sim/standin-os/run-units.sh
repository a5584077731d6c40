#!/bin/sh
# The stand-in OS's service manager: runs the systemd units Ignition enabled (its preset file
# /etc/systemd/system-preset/*.preset and *.wants/ links), in that order. Supported from a unit's
# [Service] section (and drop-ins in <unit>.d/): Type (oneshot units run to completion before the
# next unit, others in the background), ExecStartPre/ExecStart/ExecStartPost (a leading "-" lets a
# command fail; run through sh, %n and %% expanded), Environment, EnvironmentFile, WorkingDirectory,
# Restart=on-failure|always with RestartSec (at most 5 restarts); [Unit] ConditionPathExists.
# Ordering directives are not interpreted.
#   run-units            every enabled unit
#   run-units UNIT...    these units
etc=/etc/systemd/system
enabled() {
  cat /etc/systemd/system-preset/*.preset 2>/dev/null | sed -n 's/^enable[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p'
  for l in $etc/*.wants/*; do [ -e "$l" ] && basename "$l"; done
}
unit_lines() { # unit: "Section.Key=value" lines, unit file then drop-ins, continuations joined
  for f in "$etc/$1" "$etc/$1.d"/*.conf; do [ -f "$f" ] && cat "$f" && echo; done | awk '
    /^[[:space:]]*[#;]/ { next }
    { line = (cont ? cont : "") $0; cont = "" }
    line ~ /\\$/ { cont = substr(line, 1, length(line) - 1) " "; next }
    line ~ /^\[.*\]$/ { sect = substr(line, 2, length(line) - 2); next }
    line ~ /=/ { k = line; sub(/=.*/, "", k); gsub(/[[:space:]]/, "", k); v = line; sub(/^[^=]*=[[:space:]]*/, "", v); print sect "." k "=" v }'
}
get() { grep "^$2=" "$1" | sed "s/^$2=//"; }
run_cmds() { # file key unit
  get "$1" "$2" | while IFS= read -r c; do
    [ -z "$c" ] && continue
    ignore=
    while :; do case "$c" in -*) ignore=1; c=${c#?} ;; [@+!:]*) c=${c#?} ;; *) break ;; esac; done
    c=$(printf '%s' "$c" | sed "s/%n/$3/g; s/%%/%/g")
    echo "racker-standin: [$3] $c"
    sh -c "$c" || [ -n "$ignore" ] || return 1
  done
}
run_unit() { # unit
  u=$1
  [ -f "$etc/$u" ] || { echo "racker-standin: unit $u not found"; return 1; }
  f=/run/units/$u
  mkdir -p /run/units
  unit_lines "$u" >"$f"
  for p in $(get "$f" Unit.ConditionPathExists); do
    case "$p" in
      !*) [ -e "${p#!}" ] && { echo "racker-standin: [$u] skipped ($p)"; return 0; } ;;
      *) [ -e "$p" ] || { echo "racker-standin: [$u] skipped ($p)"; return 0; } ;;
    esac
  done
  (
    for e in $(get "$f" Service.EnvironmentFile); do e=${e#-}; [ -f "$e" ] && set -a && . "$e" && set +a; done
    get "$f" Service.Environment | while IFS= read -r line; do echo "export $line"; done >"$f.env"
    . "$f.env"
    wd=$(get "$f" Service.WorkingDirectory | tail -n1)
    [ -n "$wd" ] && cd "$wd"
    restart=$(get "$f" Service.Restart | tail -n1)
    delay=$(get "$f" Service.RestartSec | tail -n1 | sed 's/s$//')
    tries=0
    while :; do
      if run_cmds "$f" Service.ExecStartPre "$u" && run_cmds "$f" Service.ExecStart "$u" && run_cmds "$f" Service.ExecStartPost "$u"; then
        echo "racker-standin: [$u] finished"
        [ "$restart" = always ] || exit 0
      else
        echo "racker-standin: [$u] failed"
        case "$restart" in on-failure|always) ;; *) exit 1 ;; esac
      fi
      tries=$((tries + 1))
      [ $tries -gt 5 ] && exit 1
      sleep "${delay:-1}"
    done
  ) &
  pid=$!
  case "$(get "$f" Service.Type | tail -n1)" in
    oneshot) wait $pid ;;
    *) ;;
  esac
}
if [ $# -gt 0 ]; then
  for u in "$@"; do run_unit "$u"; done
else
  for u in $(enabled | awk '!seen[$0]++'); do run_unit "$u"; done
fi
