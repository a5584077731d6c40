/**
 * ipmitool as the test oracle: the tool everybody trusts, run against the same simulator so the
 * native client's results can be checked against it. Password through -E and the environment.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OracleTarget {
  address: string;
  port: number;
  user: string;
  password: string;
}

export async function ipmitool(t: OracleTarget, ...args: string[]): Promise<string> {
  const { stdout } = await run('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', t.address, '-p', String(t.port), '-U', t.user, '-E', '-N', '1', '-R', '2', ...args],
    { env: { ...process.env, IPMI_PASSWORD: t.password }, encoding: 'utf8', timeout: 20_000 });
  return stdout;
}

/** `sdr list` → name → value text (e.g. "12 Volts"). */
export function parseSdrList(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [name, value] = line.split('|').map((s) => s.trim());
    if (name !== undefined && name !== '' && value !== undefined) m.set(name, value);
  }
  return m;
}
