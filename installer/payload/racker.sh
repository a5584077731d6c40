#!/bin/sh
# racker, as installed from a payload: runs the Node.js bundled with this version, so the host
# (Flatcar) needs none. /opt/bin/racker links here through /opt/racker/current.
here=$(dirname "$(readlink -f "$0")")
exec "$here/../node/bin/node" "$here/racker.js" "$@"
