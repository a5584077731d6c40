/** Run bin/racker-sim as a real process, and helpers for tests that build simulated racks. */
import { execa } from 'execa';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const rackerSim = join(repoRoot, 'bin', 'racker-sim');

export interface SimRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runSim(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<SimRunResult> {
  const r = await execa(rackerSim, [...args], { env, extendEnv: true, reject: false, timeout: timeoutMs });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Why a simulator test cannot run here, or undefined when it can. */
export async function simSkipReason(programs: readonly string[]): Promise<string | undefined> {
  return mustNotSkipInCi(await skipReason(programs));
}

async function skipReason(programs: readonly string[]): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (network namespaces)';
  for (const p of programs) {
    const r = await execa('sh', ['-c', 'command -v "$1"', 'sh', p], { reject: false });
    if (r.exitCode !== 0) return `${p} is not installed (scripts/debian-packages.txt)`;
  }
  return undefined;
}

/**
 * A reason to skip, outside CI. In CI (CI=true) scripts/setup.sh has installed every tool and the
 * run is root, so a reason means a broken setup: it fails the test instead of skipping it silently.
 */
export function mustNotSkipInCi(reason: string | undefined): string | undefined {
  if (reason !== undefined && process.env.CI === 'true') throw new Error(`cannot run in CI: ${reason}; scripts/setup.sh should have provided it`);
  return reason;
}

/** ipmitool against a simulated BMC from the management namespace (where the agent would run). */
export async function ipmitool(mgmtNetns: string, host: string, password: string, args: readonly string[]): Promise<SimRunResult> {
  const r = await execa('ip', ['netns', 'exec', mgmtNetns, 'ipmitool', '-I', 'lanplus', '-C', '3', '-E', '-U', 'admin', '-N', '1', '-R', '2', '-H', host, ...args],
    { env: { IPMI_PASSWORD: password }, extendEnv: true, reject: false, timeout: 30_000 });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
