/**
 * Starting and checking the simulated BMCs (one ipmi_sim per node, inside the rack namespace).
 *  - Pinned (`--no-vm`, `--pin-bmc-addresses`): bmc-start.sh puts the planned address on the BMC's
 *    interface and starts ipmi_sim at once; the racker configuration names the address.
 *  - DHCP (the default with VMs): a busybox udhcpc per BMC, with the BMC's MAC, asks racker's
 *    dnsmasq for a lease like a real BMC; its hook (bmc-dhcp-hook.sh) starts ipmi_sim on the leased
 *    address (ipmi_sim cannot DHCP and binds one address). Until the agent runs, such a BMC has no
 *    address and does not answer, as on a real rack.
 */
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Exec } from '../agent/lib/exec.js';
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';
import { sleep } from '../agent/lib/backoff.js';
import type { RackSpec, SimNode } from './rack-spec.js';
import { SIM_SH_DIR, nodeDir } from './sim-files.js';

export async function startPinnedBmc(exec: Exec, spec: RackSpec, root: string, node: SimNode): Promise<void> {
  await exec('ip', ['netns', 'exec', spec.netns, 'sh', join(SIM_SH_DIR, 'bmc-start.sh'), nodeDir(root, node), node.bmcAddress, String(spec.prefix)]);
}

/** udhcpc arguments: foreground, retry every few seconds forever, the BMC's hook. */
export function udhcpcArgs(node: SimNode): string[] {
  return ['-f', '-i', node.bmcIface, '-s', join(SIM_SH_DIR, 'bmc-dhcp-hook.sh'), '-t', '3', '-T', '2', '-A', '3', '-x', `hostname:${node.name}-bmc`];
}

export async function startDhcpBmc(spec: RackSpec, root: string, node: SimNode): Promise<number> {
  const dir = nodeDir(root, node);
  return spawnDetached('ip', ['netns', 'exec', spec.netns, 'udhcpc', ...udhcpcArgs(node)], join(dir, 'udhcpc.log'), { BMC_DIR: dir });
}

/**
 * Start a long-lived process outside our process group with its output in a file. The exec
 * wrapper runs programs to completion; these outlive racker-sim (destroy ends them by namespace).
 */
export function spawnDetached(file: string, args: readonly string[], logFile: string, env: Record<string, string> = {}): Promise<number> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(file, [...args], { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    return new Promise((resolve, reject) => {
      child.once('error', (e) => reject(new RackerError(ErrorCodes.sim, `cannot start ${file}: ${e.message}`)));
      child.once('spawn', () => {
        child.unref();
        resolve(child.pid as number);
      });
    });
  } finally {
    closeSync(fd);
  }
}

export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return true;
}

export async function readPid(file: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined; // no pid file: the process was never started or has ended
  }
}

/** A process state letter from /proc (R, S, T = stopped, Z = zombie), or undefined when gone. */
export async function processState(pid: number | undefined): Promise<string | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined; // gone
  }
}

/** Wait until every pinned BMC's ipmi_sim still runs a moment after start (a bad config exits at once). */
export async function checkBmcsRunning(root: string, nodes: readonly SimNode[]): Promise<void> {
  await sleep(300);
  for (const node of nodes) {
    const dir = nodeDir(root, node);
    const state = await processState(await readPid(join(dir, 'ipmi_sim.pid')));
    if (state === undefined || state === 'Z') {
      const log = await readFile(join(dir, 'ipmi_sim.log'), 'utf8').catch(() => '');
      throw new RackerError(ErrorCodes.sim, `${node.name}: ipmi_sim exited right after it started on ${node.bmcAddress}: ${log.trim().split('\n').slice(-3).join(' | ') || '(no output)'}`,
        { hint: `see ${join(dir, 'ipmi_sim.log')} and ${join(dir, 'lan.conf')}` });
    }
  }
}
