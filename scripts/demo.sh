#!/usr/bin/env bash
# The main job, until the simulated rack can be bootstrapped: set up racker, write an example rack's
# metadata into a temporary OEM directory (the management node's row uses this machine's own NIC),
# run `racker factory check` on it, then show what a broken row looks like.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

demo=$(mktemp -d /tmp/racker-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/oem" "$demo/etc" "$demo/state" "$demo/run"
nic=""
for d in /sys/class/net/*; do
  if [ -e "$d/device" ]; then nic=$(basename "$d"); break; fi
done
[ -n "$nic" ] || nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
mac=$(cat "/sys/class/net/$nic/address")
cat > "$demo/oem/nodes.csv" <<CSV
Primary MAC address, BMC MAC address, Secondary MAC address, Node Type, Comments
02:00:00:00:00:01, 02:00:00:00:00:02, $mac, mgmt, management node (this machine's $nic)
02:00:00:00:01:01, 02:00:00:00:01:02, 02:00:00:00:01:03, controller, rack unit 1
02:00:00:00:02:01, 02:00:00:00:02:02, 02:00:00:00:02:03, worker, rack unit 2
02:00:00:00:03:01, 02:00:00:00:03:02, 02:00:00:00:03:03, worker, rack unit 3
CSV
printf 'admin\n' > "$demo/oem/ipmi_user"
( umask 077; printf 'demo-password\n' > "$demo/oem/ipmi_password" )
cat > "$demo/etc/racker.yaml" <<YAML
paths: { oemDir: $demo/oem, etcDir: $demo/etc, stateDir: $demo/state, runDir: $demo/run }
YAML
export RACKER_CONFIG="$demo/etc/racker.yaml"

echo "== racker factory check (a valid rack)"
./bin/racker factory check
echo
echo "== racker factory check (the same rack with a typo in a BMC MAC and a duplicated MAC)"
sed -i -e 's/02:00:00:00:02:02/02:00:00:00:02:0g/' -e 's/02:00:00:00:03:03/02:00:00:00:01:03/' "$demo/oem/nodes.csv"
if ./bin/racker factory check; then echo "demo: the broken rack passed the check" >&2; exit 1; fi
echo
echo "demo: done (the check found the broken rows and changed nothing)"
