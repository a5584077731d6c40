#!/usr/bin/env bash
# The test command: install what the tests need, then type-check, lint and run every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent lint
npm test
