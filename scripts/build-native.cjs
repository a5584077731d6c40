// Compiles racker's one native piece, the unix datagram sender behind the systemd notify client
// (agent/daemon/native/notify-socket.c; the file says why it exists). Node-API only, so the result
// keeps working when the machine's Node.js is upgraded (racker needs >= 24). Run by `npm run build`;
// a no-op when up to date.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, statSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const source = join(root, 'agent/daemon/native/notify-socket.c');
const output = join(root, 'dist/native/notify-socket.node');

// Node's headers ship next to the binary: /usr/include/node for Debian's and NodeSource's
// packages, <prefix>/include/node for the official tarball setup.sh may install.
const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const include = candidates.find((d) => existsSync(join(d, 'node_api.h')));
if (include === undefined) {
  console.error(`build-native: node_api.h not found in ${candidates.join(', ')}; install Node.js with its headers`);
  process.exit(1);
}
if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
mkdirSync(dirname(output), { recursive: true });
const cc = process.env.CC ?? 'cc';
try {
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-shared', '-fPIC', `-I${include}`, '-o', output, source], { stdio: 'inherit' });
} catch (e) {
  console.error(`build-native: ${cc} failed (${e.message}); install gcc and libc6-dev (scripts/debian-packages.txt)`);
  process.exit(1);
}
