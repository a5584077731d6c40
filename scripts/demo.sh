#!/usr/bin/env bash
# The main job, on a simulated rack: install what racker needs, build racker's payload, create a
# 3-node racker-sim rack (QEMU servers with OpenIPMI BMCs and a stand-in OS that follows Flatcar's
# PXE contract, and a management node under real systemd into which installer/extract installs the
# payload and where systemd runs racker-agent.service), bootstrap every node with Flatcar from that
# node while showing live progress, print `racker status`, and destroy the rack. Exits 0 only if
# every node is ready. Needs root (network namespaces). RACKER_DEMO_NODES changes the rack size.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

name=demo
nodes=${RACKER_DEMO_NODES:-3}
cleanup() {
  status=$?
  ./bin/racker-sim destroy --name "$name" >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT INT TERM

if ./bin/racker-sim status --name "$name" >/dev/null 2>&1; then
  echo "demo: removing the rack a previous demo left behind"
  ./bin/racker-sim destroy --name "$name"
fi
echo "== npm run payload (racker's release archive; setup.sh has just compiled the code)"
payload=$(node dist/installer/payload/main.js | head -n1)
echo "$payload"

echo "== racker-sim create --nodes $nodes (the management node installs the payload and starts racker-agent.service)"
./bin/racker-sim create --name "$name" --nodes "$nodes" --payload "$payload" >/dev/null

# The rack's own SSH key, as a factory makes it: bootstrap gives it to every node's user core.
echo "== racker factory gen-ssh-key (the rack key bootstrap gives the nodes)"
./bin/racker-sim exec --name "$name" -- racker factory gen-ssh-key >/dev/null
echo "== racker bootstrap --yes --provision flatcar (on the management node: racker-sim exec -- racker ...)"
result=0
./bin/racker-sim exec --name "$name" -- racker bootstrap --yes --provision flatcar --on-failure exclude || result=$?

echo "== racker status"
./bin/racker-sim exec --name "$name" -- racker status || true
echo "== journalctl -u racker-agent -p warning (on the management node)"
./bin/racker-sim exec --name "$name" -- journalctl --no-pager -u racker-agent -p warning || true
exit "$result"
