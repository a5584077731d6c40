/**
 * Loaded before every suite (the .mocharc files require it): points racker's path defaults at a
 * temporary directory for this test run, so a test whose configuration forgets a path, and every
 * racker process it starts (they inherit the environment), can never touch /usr/share/oem,
 * /etc/racker, /var/lib/racker or /run/racker. Tests that need other paths set them explicitly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'racker-test-defaults-'));
for (const [name, dir] of [['RACKER_OEM_DIR', 'oem'], ['RACKER_ETC_DIR', 'etc'], ['RACKER_STATE_DIR', 'state'], ['RACKER_RUN_DIR', 'run']] as const) {
  process.env[name] ??= join(root, dir);
}
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
