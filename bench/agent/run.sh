#!/usr/bin/env bash
# Agent benchmark: idle RSS after start with 64 nodes in nodes.csv, CPU while idle for a minute,
# and `racker status` end to end (process start, config, socket request, render) with 64 nodes,
# next to `node -e ''` (the floor for any Node.js CLI). Everything runs on temp paths; the agent
# is stopped by its PID. Needs: npm run build, hyperfine, python3. Usage: bash bench/agent/run.sh [idle-seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
IDLE=${1:-60}
root=$(mktemp -d /tmp/racker-bench-agent.XXXXXX)
agent_pid=
cleanup() { [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null; rm -rf "$root"; }
trap cleanup EXIT

# A rack of 64 nodes plus the management node (its secondary MAC is a local interface). No dnsmasq
# (no real PXE interface here); the boot service on loopback; every BMC pinned to a closed port on
# 127.0.0.1, so the poller works as on a rack whose BMCs do not answer, and nothing leaves loopback.
mkdir -p "$root"/{oem,etc,state,run,sys/eth1/device}
{
  echo 'Primary MAC address, BMC MAC address, Secondary MAC address, Node Type, Comments'
  echo '02:aa:00:00:00:00, 02:bb:00:00:00:00, 02:cc:00:00:00:00, mgmt, management node'
  for i in $(seq 1 64); do printf '02:aa:00:00:00:%02x, 02:bb:00:00:00:%02x, 02:cc:00:00:00:%02x, worker, node %d\n' "$i" "$i" "$i" "$i"; done
} > "$root/oem/nodes.csv"
echo admin > "$root/oem/ipmi_user"; echo bench-secret > "$root/oem/ipmi_password"; chmod 600 "$root"/oem/ipmi_*
echo 02:cc:00:00:00:00 > "$root/sys/eth1/address"
cat > "$root/etc/racker.yaml" <<YAML
paths: { oemDir: $root/oem, etcDir: $root/etc, stateDir: $root/state, runDir: $root/run, sysClassNet: $root/sys }
agent: { metricsPort: 0 }
network: { configureInterface: false }
dhcp: { enabled: false }
boot: { listenAddress: 127.0.0.1, port: 18469 }
bmc:
  nodes:
$(for i in $(seq 1 64); do printf '    "02:bb:00:00:00:%02x": { address: 127.0.0.1, port: 9 }\n' "$i"; done)
YAML
export RACKER_CONFIG="$root/etc/racker.yaml"

node bin/racker agent > "$root/agent.log" &
agent_pid=$!
for _ in $(seq 1 100); do [ -S "$root/run/agent.sock" ] && break; sleep 0.1; done
[ -S "$root/run/agent.sock" ] || { echo "agent did not start:"; cat "$root/agent.log"; exit 1; }
sleep 5
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$agent_pid/status")
ticks() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks); sleep "$IDLE"; t1=$(ticks)
rss_idle_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$agent_pid/status")
# The boot service's worker processes (boot.workers, default 1) are the agent's children.
worker_kb=0
for w in $(pgrep -P "$agent_pid" -f 'boot/workers/main.js'); do
  worker_kb=$((worker_kb + $(awk '/^VmRSS/ {print $2}' "/proc/$w/status")))
done
echo "nodes: $(($(wc -l < "$root/oem/nodes.csv") - 2)) + management"
echo "RSS 5 s after start: $((rss_kb / 1024)) MiB ($rss_kb kB)"
echo "RSS after idling for $IDLE s: $((rss_idle_kb / 1024)) MiB ($rss_idle_kb kB)"
echo "boot worker processes' RSS then: $((worker_kb / 1024)) MiB ($worker_kb kB); agent + workers $(((rss_idle_kb + worker_kb) / 1024)) MiB"
awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$IDLE" 'BEGIN { printf "CPU while idle for %d s: %.2f s of CPU (%.3f %% of one core)\n", s, d / hz, 100 * d / hz / s }'
node bin/racker status | tail -n 3
hyperfine --warmup 3 --runs 30 --export-markdown "$root/status.md" -N \
  "node -e ''" \
  "node bin/racker status" \
  "node bin/racker status --json"
cat "$root/status.md"
# The same three taking turns (hyperfine runs each command's runs in one block, so a change in the
# machine's load between blocks skews its ratio): the figure the start-up target is judged by.
python3 bench/agent/side-by-side.py 30 "node -e ''" "node bin/racker status" "node bin/racker status --json"
