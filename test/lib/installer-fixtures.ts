/**
 * Installer test material: small payloads built through the real build code from a fixture tree
 * (a `bin/racker` that answers `version --json`, a unit, some data), a stand-in systemctl program
 * whose answers come from files, and a tree hash to prove a root did not change.
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../agent/lib/exec.js';
import { silentLogger } from '../../agent/lib/log.js';
import { buildConfSchema } from '../../agent/config/build-conf.js';
import { buildPayload } from '../../installer/payload/build.js';
import { FLATCAR_FILES } from '../../bootstrap/assets.js';

export const FIXTURE_PINS = {
  flatcar: { channel: 'stable', version: '4593.2.5', signingKey: 'keys/key.asc', signingKeyFingerprint: 'F88CFEDEFF29A5B4D9523864E25D9AED0593B34A' },
  kubernetes: { version: 'v1.33.2', sysextUrl: 'https://extensions.example/kubernetes-{version}-x86-64.raw' },
  ipxe: { bios: 'ipxe/undionly.kpxe', efi: 'ipxe/ipxe.efi' },
};

export interface FixturePayloadOptions {
  /** Work directory: the fixture tree and the payload go below it. */
  dir: string;
  version: string;
  /** Marks the version so the stand-in systemctl reports its agent as failed. */
  agentFails?: boolean;
  /** `bin/racker version --json` reports this instead of `version` (a payload whose code and VERSION disagree). */
  reportsVersion?: string;
}

/** Build `racker-<version>-linux-x64.tar.gz` from a tiny tree, through buildPayload. Returns its path. */
export async function buildFixturePayload(o: FixturePayloadOptions): Promise<string> {
  const src = join(o.dir, `src-${o.version}`);
  await mkdir(join(src, 'bin'), { recursive: true });
  await mkdir(join(src, 'units'), { recursive: true });
  await writeFile(join(src, 'bin', 'racker'), `#!/bin/sh\n# fixture racker ${o.version}\necho '{"version":"${o.reportsVersion ?? o.version}"}'\n`);
  await chmod(join(src, 'bin', 'racker'), 0o755);
  await writeFile(join(src, 'units', 'racker-agent.service'), `[Unit]\nDescription=racker agent (fixture ${o.version})\n\n[Service]\nExecStart=/opt/bin/racker agent\n`);
  await writeFile(join(src, 'data.txt'), `payload data of ${o.version}\n`);
  const assets: unknown[] = [{ type: 'file', path: 'bin' }, { type: 'file', path: 'units' }, { type: 'file', path: 'data.txt' }];
  if (o.agentFails === true) {
    await writeFile(join(src, 'AGENT_FAILS'), 'the stand-in systemctl reports this version\'s agent as failed\n');
    assets.push({ type: 'file', path: 'AGENT_FAILS' });
  }
  const conf = buildConfSchema.parse({ modules: [{ name: '.', assets }], pins: FIXTURE_PINS });
  const built = await buildPayload({
    conf, repoDir: src, outDir: join(o.dir, `out-${o.version}`), cacheDir: join(o.dir, 'cache'), version: o.version, exec, log: silentLogger(),
  });
  return built.file;
}

/**
 * A stand-in for systemctl: units are active when `<state>/active/<unit>` exists; the agent unit
 * reports `failed` while the current version carries AGENT_FAILS. Every call is appended to
 * `<state>/calls.log` with the version current at that moment.
 */
export async function writeFakeSystemctl(stateDir: string, root: string): Promise<string> {
  await mkdir(join(stateDir, 'active'), { recursive: true });
  const path = join(stateDir, 'systemctl');
  await writeFile(path, `#!/bin/sh
STATE='${stateDir}'
ROOT='${root}'
echo "$* current=$(readlink "$ROOT/opt/racker/current")" >> "$STATE/calls.log"
unit=$2
agent_ok() { [ "$unit" != racker-agent.service ] || [ ! -e "$ROOT/opt/racker/current/AGENT_FAILS" ]; }
case "$1" in
  is-active)
    if [ ! -e "$STATE/active/$unit" ]; then echo inactive; exit 3; fi
    if agent_ok; then echo active; exit 0; fi
    echo failed; exit 3 ;;
  start|restart) touch "$STATE/active/$unit" ;;
  stop) rm -f "$STATE/active/$unit" ;;
  daemon-reload) ;;
  *) echo "fake systemctl: unsupported command $1" >&2; exit 1 ;;
esac
`);
  await chmod(path, 0o755);
  return path;
}

/** A hash of everything under `dir`: names, types, modes, file contents and link targets. */
export async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const p = join(dir, rel, name);
      const st = await lstat(p);
      hash.update(`${join(rel, name)}\0${st.mode}\0`);
      if (st.isDirectory()) await walk(join(rel, name));
      else if (st.isSymbolicLink()) hash.update(await readlink(p));
      else hash.update(await readFile(p));
    }
  }
  await walk('');
  return hash.digest('hex');
}

/** Configuration and state an install must never touch, written under a test root. */
export async function writeSiteFiles(root: string): Promise<string[]> {
  const files = {
    'etc/racker/racker.yaml': 'agent:\n  logLevel: debug\n',
    'var/lib/racker/state.json': '{"nodes":{}}\n',
    'usr/share/oem/nodes.csv': 'Primary MAC, BMC MAC, Secondary MAC, Node Type, Comments\n',
    'usr/share/oem/ipmi_password': 'secret\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), text, { mode: 0o600 });
  }
  return ['etc/racker', 'var/lib/racker', 'usr/share/oem'];
}

/** A throwaway OpenPGP signing key made with sq in `dir`: the secret key and the certificate (keyring). */
export async function makeSigningKey(dir: string, name: string): Promise<{ key: string; cert: string }> {
  const key = join(dir, `${name}.key.pgp`);
  const cert = join(dir, `${name}.cert.pgp`);
  await exec('sq', ['key', 'generate', '--userid', `<${name}@racker.test>`, '--export', key], { timeoutMs: 60_000 });
  await exec('sq', ['key', 'extract-cert', '--output', cert, key], { timeoutMs: 60_000 });
  return { key, cert };
}

/** Write a detached signature `<file>.sig` made with `key`. */
export async function signFile(file: string, key: string): Promise<string> {
  await exec('sq', ['sign', '--detached', '--signer-key', key, '--output', `${file}.sig`, file], { timeoutMs: 60_000 });
  return `${file}.sig`;
}

/**
 * A management node's root for installer tests: site files, a stand-in systemctl and a
 * configuration whose installer.source is `source` (YAML mapping lines, indented by four). racker's
 * own paths (the version marker lives in the state directory) stay out of the root, whose site
 * files the tests hash, and off the real system.
 */
export async function makeInstallSite(dir: string, name: string, source: string[]): Promise<{ root: string; config: string }> {
  const root = join(dir, name);
  await mkdir(root);
  await writeSiteFiles(root);
  const systemctl = await writeFakeSystemctl(join(dir, `${name}-systemd`), root);
  const config = join(dir, `${name}.yaml`);
  const state = join(dir, `${name}-racker`);
  await writeFile(config, `paths:\n  stateDir: ${state}/state\n  etcDir: ${state}/etc\n  runDir: ${state}/run\n  oemDir: ${state}/oem\n`
    + `installer:\n  root: ${root}\n  systemctl: ${systemctl}\n  readyTimeoutSeconds: 5\n  source:\n${source.map((l) => `    ${l}\n`).join('')}`);
  return { root, config };
}

/**
 * Flatcar images as bootstrap.flatcar.localDir holds them (`<dir>/flatcar/<version>/<file>`), each
 * a short stand-in text signed with a throwaway key. Returns the directory and the certificate
 * (bootstrap.flatcar.signingKey).
 */
export async function writeSignedFlatcarStandIns(dir: string, version: string): Promise<{ images: string; cert: string }> {
  const signing = await makeSigningKey(dir, 'flatcar');
  const images = join(dir, 'flatcar');
  await mkdir(join(images, version), { recursive: true });
  for (const name of FLATCAR_FILES) {
    await writeFile(join(images, version, name), `stand-in ${name}\n`);
    await signFile(join(images, version, name), signing.key);
  }
  return { images, cert: signing.cert };
}
