#!/usr/bin/env bash
# The test command: install what the tests need, then type-check, lint and run every suite, and end
# with one summary line ("N passed, N failed, N skipped") over all suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh   # ends with `npm run build`: dist/ is this checkout's
log=$(mktemp)
oslog=$(mktemp)
# The VM tests' OS images (mostly dpkg inside mmdebstrap; minutes on a fresh machine) are built in
# the background while lint, the unit suite and the integration files that boot no VM run; those
# files come first (test/integration/.mocharc.cjs), and a VM test that gets there first waits for
# the build (racker-sim takes an flock on the cache) rather than building the same image again.
# Its own session, so that an interrupted run stops the whole build (mmdebstrap, dpkg) by its PID.
setsid bin/racker-sim build-os >"$oslog" 2>&1 &
os_pid=$!
trap 'kill -- -"$os_pid" 2>/dev/null || true; rm -f "$log" "$oslog"' EXIT
npm run --silent lint
set +e
{ npm run --silent test:unit && npm run --silent test:integration; } 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if ! wait "$os_pid"; then
  echo "racker-sim build-os failed (the VM tests above built or failed on their own):"; tail -n 20 "$oslog"
fi
count() { grep -E "^ +[0-9]+ $1" "$log" | awk '{ s += $1 } END { print s + 0 }'; }
echo "tests: $(count passing) passed, $(count failing) failed, $(count pending) skipped"
exit "$status"
