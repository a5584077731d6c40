#!/usr/bin/env bash
# The main job, on a simulated rack: install what racker needs, create a 3-node racker-sim rack
# (QEMU servers with OpenIPMI BMCs and a stand-in OS that follows Flatcar's PXE contract), start
# the racker agent on its management node, bootstrap every node with Flatcar while showing live
# progress, print `racker status`, and destroy the rack. Exits 0 only if every node is ready.
# Needs root (network namespaces). RACKER_DEMO_NODES changes the rack size.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

name=demo
nodes=${RACKER_DEMO_NODES:-3}
agent_pid=
cleanup() {
  status=$?
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -TERM "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
  fi
  ./bin/racker-sim destroy --name "$name" >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT INT TERM

if ./bin/racker-sim status --name "$name" >/dev/null 2>&1; then
  echo "demo: removing the rack a previous demo left behind"
  ./bin/racker-sim destroy --name "$name"
fi
echo "== racker-sim create --nodes $nodes"
config=$(./bin/racker-sim create --name "$name" --nodes "$nodes")
mgmt_ns=$(./bin/racker-sim status --name "$name" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).mgmtNetns))')
log=$(dirname "$config")/../agent.log

echo "== racker agent (in the management node's namespace $mgmt_ns; log: $log)"
ip netns exec "$mgmt_ns" ./bin/racker agent --config "$config" >"$log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do
  ./bin/racker status --config "$config" --json >/dev/null 2>&1 && break
  kill -0 "$agent_pid" 2>/dev/null || { echo "demo: the agent stopped:"; tail -n 20 "$log"; exit 1; }
  sleep 0.2
done

echo "== racker bootstrap --yes --provision flatcar"
result=0
./bin/racker bootstrap --config "$config" --yes --provision flatcar --on-failure exclude || result=$?

echo "== racker status"
./bin/racker status --config "$config" || true
exit "$result"
