#!/usr/bin/env bash
# Renders docs/diagrams/*.dot to the SVGs checked in beside them (Graphviz's dot, from Debian's
# graphviz). test/unit/docs/diagrams.test.ts fails when an SVG is older than its .dot's content.
set -euo pipefail
cd "$(dirname "$0")/../docs/diagrams"
for f in *.dot; do dot -Tsvg "$f" > "${f%.dot}.svg"; done
