/**
 * Two Redfish clients racker shares no code with, from Debian: python3-sushy (OpenStack Ironic's
 * library) and redfishtool (DMTF's command line tool), to check that the emulator is a Redfish
 * service others can drive and that they see and make the same state racker does.
 *
 * sushy gets its credentials from the environment. redfishtool takes them only on its command line
 * (its -c config file is not implemented in Debian's 1.1.5); the password is a throwaway one of an
 * emulator on 127.0.0.1, so that is acceptable here and nowhere in the product.
 */
import { join } from 'node:path';
import { exec } from '../../agent/lib/exec.js';
import { repoRoot } from './paths.js';

/** Debian's python, where python3-sushy is installed (not a pyenv shim on PATH). */
const PYTHON = '/usr/bin/python3';

export interface SushyView {
  power: string;
  target: string | null;
  enabled: string | null;
  mode: string | null;
  uuid: string | null;
  /** Asset and manager fields as sushy reads them (null: absent), for the fru / mc info cross-check. */
  facts?: { serial: string | null; bios: string | null; sku: string | null; memoryGiB: number | null; managerFirmware: string | null; managerType: string | null; managerModel: string | null };
  /** The Manager.Reset types sushy finds allowed (sorted), for the mc reset cross-check. */
  managerResets?: string[] | null;
}

/** sushy 4 takes the Redfish values themselves. */
export type SushyOp =
  | { op: 'boot'; target: 'Pxe' | 'Hdd'; enabled: 'Once' | 'Continuous'; mode?: 'UEFI' | 'Legacy' }
  | { op: 'reset'; type: 'On' | 'ForceOff' | 'PowerCycle' }
  | { op: 'manager-reset'; type: 'GracefulRestart' | 'ForceRestart' };

/** The sushy script, read from the source tree (tsc does not copy it to dist/). */
const SUSHY = join(repoRoot, 'test/lib/sushy-client.py');

/** Run sushy against the service: apply `ops` in order to `system`, then report what it reads. */
export async function sushy(o: { port: number; caFile: string; user: string; password: string; system: string; ops: SushyOp[] }): Promise<SushyView> {
  const r = await exec(PYTHON, [SUSHY], {
    input: JSON.stringify({ url: `https://127.0.0.1:${o.port}/redfish/v1/`, verify: o.caFile, system: o.system, ops: o.ops }),
    // requests lets these variables override `verify`: point them at the same file.
    env: { RF_USER: o.user, RF_PASSWORD: o.password, PATH: '/usr/bin:/bin', REQUESTS_CA_BUNDLE: o.caFile, CURL_CA_BUNDLE: o.caFile }, timeoutMs: 60_000,
  });
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as SushyView;
}

/** Run redfishtool with basic auth over https (it does not verify certificates); returns its stdout. */
export async function redfishtool(o: { port: number; user: string; password: string }, ...args: string[]): Promise<string> {
  const r = await exec('redfishtool', ['-r', `127.0.0.1:${o.port}`, '-S', 'Always', '-A', 'Basic', '-u', o.user, '-p', o.password, '-T', '20', ...args],
    { env: { PATH: '/usr/bin:/bin', PYTHONWARNINGS: 'ignore' }, timeoutMs: 60_000 });
  return r.stdout;
}
