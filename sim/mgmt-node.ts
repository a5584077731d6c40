/**
 * The management node under real systemd: a systemd-nspawn container in the rack's management
 * namespace, booting a Debian rootfs (mgmt-os/build.sh, cached by the hash of its sources like the
 * stand-in OS). Its root is an overlay (the cached rootfs below, `<dir>/mgmt/upper` above) mounted
 * at `<dir>/mgmt/root`, so a rack costs only what it writes. racker is installed into it by the
 * real extractor (installer/extract --root, its systemctl reaching the container's systemd), and
 * racker-agent.service is enabled and started by systemd exactly as the payload ships it.
 *
 * This machine's PID 1 is not systemd (no machined, hybrid cgroups): nspawn runs with
 * `--register=no --keep-unit`, and the container is driven with `nsenter -t <its PID 1> -a`.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exec } from '../agent/lib/exec.js';
import { ErrorCodes, RackerError, errorMessage } from '../agent/lib/errors.js';
import { waitUntil } from '../agent/lib/backoff.js';
import { pathExists } from '../agent/lib/path-exists.js';
import { writeFileAtomic } from '../agent/lib/atomic-file.js';
import { buildOnce, standinBuildKey } from './standin.js';

export const MGMT_OS_SRC = fileURLToPath(new URL('../../sim/mgmt-os/', import.meta.url)).replace(/\/$/, '');
/** The extractor as an operator runs it (the checkout's installer/extract). */
export const EXTRACTOR = fileURLToPath(new URL('../../installer/extract', import.meta.url));
/** Where the container sees the stand-in OS build (signed images and the signing certificate), read-only. */
export const OS_MOUNT = '/srv/racker-sim/os';
export const AGENT_UNIT = 'racker-agent.service';
/** PATH inside the node for `racker-sim exec`: the payload's /opt/bin first, as an operator's shell profile would. */
export const NODE_PATH = '/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface MgmtPaths {
  dir: string;
  root: string;
  /** A sysfs mounted from inside the management namespace (see netnsSysfs). */
  sysfs: string;
  upper: string;
  work: string;
  nspawnPid: string;
  pid1: string;
  consoleLog: string;
  /** A systemctl for the extractor: the container's, through nsenter. */
  systemctl: string;
}

export function mgmtPaths(rackDir: string): MgmtPaths {
  const dir = join(rackDir, 'mgmt');
  return {
    dir, root: join(dir, 'root'), sysfs: join(dir, 'sysfs'), upper: join(dir, 'upper'), work: join(dir, 'work'),
    nspawnPid: join(dir, 'nspawn.pid'), pid1: join(dir, 'pid1'), consoleLog: join(dir, 'console.log'),
    systemctl: join(dir, 'systemctl'),
  };
}

/** The management node's rootfs, built if this version of mgmt-os/ has not been built yet. */
export async function ensureMgmtOs(exec: Exec, cache: string, log: (line: string) => void): Promise<string> {
  const out = join(cache, 'mgmt-os', await standinBuildKey(MGMT_OS_SRC));
  const rootfs = join(out, 'rootfs');
  const marker = join(rootfs, 'lib', 'systemd', 'systemd');
  if (await pathExists(marker)) return rootfs;
  log(`building the management node's Debian rootfs in ${out} (once per version of sim/mgmt-os; about a minute)`);
  try {
    await mkdir(join(cache, 'mgmt-os'), { recursive: true });
    await buildOnce(exec, join(cache, 'mgmt-os', '.build.lock'), marker, ['sh', join(MGMT_OS_SRC, 'build.sh'), out], 20 * 60_000);
  } catch (e) {
    throw new RackerError(ErrorCodes.sim, `building the management node's rootfs failed: ${errorMessage(e)}`,
      { hint: 'it needs mmdebstrap and a Debian mirror; see scripts/debian-packages.txt', cause: e });
  }
  return rootfs;
}

/** nsenter arguments that run `argv` inside the container (every namespace of its PID 1). */
export function nsenterArgs(pid1: number, argv: readonly string[]): string[] {
  return ['--target', String(pid1), '--all', '--', ...argv];
}

export function nspawnArgs(p: MgmtPaths, netns: string, machine: string, osDir: string | undefined): string[] {
  return [
    '--quiet', '--register=no', '--keep-unit', '--console=pipe', '--boot',
    // nspawn keeps CAP_NET_ADMIN only for networks it makes itself; the agent sets the PXE address.
    '--capability=CAP_NET_ADMIN',
    `--directory=${p.root}`, `--machine=${machine}`, `--network-namespace-path=/run/netns/${netns}`,
    // nspawn mounts /sys as this (the host's) namespace sees it; the node must see its own interfaces.
    `--bind-ro=${p.sysfs}/class/net:/sys/class/net`, `--bind-ro=${p.sysfs}/devices/virtual/net:/sys/devices/virtual/net`,
    ...(osDir === undefined ? [] : [`--bind-ro=${osDir}:${OS_MOUNT}`]),
  ];
}

/**
 * A sysfs mounted in the management namespace (sysfs shows the network interfaces of the namespace
 * that mounts it) but in this mount namespace, so nspawn can bind its net directories into the node:
 * nspawn's own /sys is mounted before it joins --network-namespace-path and lists the host's NICs.
 */
export async function mountNetnsSysfs(exec: Exec, p: MgmtPaths, netns: string): Promise<void> {
  await mkdir(p.sysfs, { recursive: true });
  await exec('nsenter', [`--net=/run/netns/${netns}`, 'mount', '-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs', p.sysfs]);
}

/** Mount the overlay root: the cached rootfs read-only below, the rack's own changes above. */
export async function mountRoot(exec: Exec, p: MgmtPaths, lower: string): Promise<void> {
  for (const d of [p.root, p.upper, p.work]) await mkdir(d, { recursive: true });
  await exec('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${p.upper},workdir=${p.work}`, p.root]);
}

/** Start nspawn (detached, console to a file) and wait until the container's systemd finished booting. */
export async function bootNode(exec: Exec, p: MgmtPaths, args: readonly string[]): Promise<number> {
  const out = openSync(p.consoleLog, 'a');
  let pid: number | undefined;
  try {
    const child = spawn('systemd-nspawn', [...args], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  if (pid === undefined) throw new RackerError(ErrorCodes.sim, 'systemd-nspawn did not start', { hint: 'install systemd-container (scripts/debian-packages.txt)' });
  await writeFile(p.nspawnPid, `${pid}\n`);
  const pid1 = await waitUntil(async () => {
    const found = await containerInit(pid);
    if (found === undefined && !(await alive(pid))) throw new RackerError(ErrorCodes.sim, `systemd-nspawn exited: ${(await readFile(p.consoleLog, 'utf8')).slice(-2000)}`);
    return found;
  }, { intervalMs: 100, attempts: 100 });
  if (pid1 === undefined) throw new RackerError(ErrorCodes.sim, 'the management node\'s init did not start within 10 s', { hint: `see ${p.consoleLog}` });
  await writeFile(p.pid1, `${pid1}\n`);
  // `--wait` returns once boot finished: running, or degraded (named by list-units --failed below).
  // Until systemd listens on its private socket systemctl fails at once: ask again.
  let r = { stdout: '' };
  await waitUntil(async () => {
    r = await exec('nsenter', nsenterArgs(pid1, ['systemctl', 'is-system-running', '--wait']), { timeoutMs: 120_000, okExitCodes: [0, 1, 2, 3, 4, 5, 255] });
    return ['running', 'degraded', 'maintenance', 'stopping'].includes(r.stdout.trim()) ? true : undefined;
  }, { intervalMs: 200, attempts: 600 });
  if (r.stdout.trim() !== 'running') {
    const failed = await exec('nsenter', nsenterArgs(pid1, ['systemctl', 'list-units', '--failed', '--plain', '--no-legend']), { okExitCodes: [0, 1] });
    throw new RackerError(ErrorCodes.sim, `the management node booted ${r.stdout.trim() || 'badly'}; failed units: ${failed.stdout.trim() || 'none'}`, { hint: `see ${p.consoleLog}` });
  }
  return pid1;
}

/** The container's PID 1: nspawn's child in a PID namespace of its own (NSpid ends in 1). */
async function containerInit(nspawnPid: number): Promise<number | undefined> {
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const status = await readFile(`/proc/${e}/status`, 'utf8').catch(() => '');
    if (!new RegExp(`^PPid:\\s+${nspawnPid}$`, 'm').test(status)) continue;
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    if (nspid !== undefined && nspid.length > 1 && nspid.at(-1) === '1') return Number(e);
  }
  return undefined;
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    const state = /^State:\s+(\S)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== 'Z';
  } catch {
    return false;
  }
}

export async function readPidFile(file: string): Promise<number | undefined> {
  const n = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The program the extractor calls as systemctl: the container's own, through nsenter. */
export async function writeSystemctlShim(p: MgmtPaths): Promise<void> {
  await writeFile(p.systemctl, `#!/bin/sh\n# systemctl of the management node ${p.root} (written by racker-sim create)\nexec nsenter --target "$(cat ${p.pid1})" --all -- systemctl "$@"\n`, { mode: 0o755 });
}

/** The node's racker files: its configuration and the OEM partition's (password 0600, as on a real node). */
export async function writeMgmtFiles(p: MgmtPaths, files: { config: string; nodesCsv: string; ipmiUser: string; ipmiPassword: string }): Promise<void> {
  await writeFileAtomic(join(p.root, 'etc', 'racker', 'racker.yaml'), files.config, { mode: 0o644, mkdirs: true });
  await writeFileAtomic(join(p.root, 'usr', 'share', 'oem', 'nodes.csv'), files.nodesCsv, { mode: 0o644, mkdirs: true });
  await writeFileAtomic(join(p.root, 'usr', 'share', 'oem', 'ipmi_user'), files.ipmiUser, { mode: 0o644, mkdirs: true });
  await writeFileAtomic(join(p.root, 'usr', 'share', 'oem', 'ipmi_password'), files.ipmiPassword, { mode: 0o600, mkdirs: true });
}

/** Install a payload with the real extractor, as on a host, into the node's root. */
export async function installPayload(exec: Exec, p: MgmtPaths, payload: string): Promise<string> {
  const r = await exec(process.execPath, [EXTRACTOR, '--root', p.root, '--payload', payload, '--systemctl', p.systemctl], { timeoutMs: 600_000 });
  return r.stdout;
}

/** Enable and start the agent's unit; with Type=notify this returns once the agent is ready. */
export async function startAgentUnit(exec: Exec, pid1: number): Promise<void> {
  try {
    await exec('nsenter', nsenterArgs(pid1, ['systemctl', 'enable', '--now', AGENT_UNIT]), { timeoutMs: 180_000 });
  } catch (e) {
    const journal = await exec('nsenter', nsenterArgs(pid1, ['journalctl', '--no-pager', '-n', '30', '-u', AGENT_UNIT]), { okExitCodes: [0, 1] }).catch(() => undefined);
    throw new RackerError(ErrorCodes.sim, `${AGENT_UNIT} did not start in the management node: ${errorMessage(e)}\n${journal?.stdout ?? ''}`, { cause: e });
  }
}

/**
 * Power the node off (SIGRTMIN+4 to its systemd: a clean shutdown, ~2 s), kill nspawn if it lingers,
 * and unmount the overlay. Works from the pid files alone, so destroy can use it after a crash.
 */
export async function stopNode(exec: Exec, p: MgmtPaths): Promise<boolean> {
  const nspawn = await readPidFile(p.nspawnPid);
  const pid1 = await readPidFile(p.pid1);
  let existed = false;
  if (nspawn !== undefined && await alive(nspawn)) {
    existed = true;
    if (pid1 !== undefined && await alive(pid1)) signal(pid1, SIGRTMIN_PLUS_4);
    await waitUntil(async () => (await alive(nspawn) ? undefined : true), { intervalMs: 100, attempts: 101 }); // up to 10 s
    if (await alive(nspawn)) {
      signal(nspawn, 'SIGKILL');
      if (pid1 !== undefined) signal(pid1, 'SIGKILL'); // ends the container's PID namespace
    }
  }
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1]);
  for (const m of [p.root, p.sysfs]) {
    if (!mounts.includes(m)) continue;
    existed = true;
    await exec('umount', [m]).catch(() => exec('umount', ['--lazy', m]));
  }
  return existed;
}

/** Linux's SIGRTMIN is 34; systemd powers off on SIGRTMIN+4. */
const SIGRTMIN_PLUS_4 = 38;

function signal(pid: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
