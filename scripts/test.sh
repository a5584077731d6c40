#!/usr/bin/env bash
# The test command: install what the tests need, then type-check, lint and run every suite, and end
# with one summary line ("N passed, N failed, N skipped") over all suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent lint
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
npm test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
count() { grep -E "^ +[0-9]+ $1" "$log" | awk '{ s += $1 } END { print s + 0 }'; }
echo "tests: $(count passing) passed, $(count failing) failed, $(count pending) skipped"
exit "$status"
