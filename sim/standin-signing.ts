/**
 * The stand-in OS is not signed by Flatcar, and racker serves only images whose OpenPGP signatures
 * verify (bootstrap/assets.ts). So the simulator signs the stand-in's files with a throwaway key of
 * its own, made once per stand-in build, and points the rack's racker configuration at that key
 * and at the signed directory, laid out as a local Flatcar mirror: <dir>/current/version.txt and
 * <dir>/<version>/<file> with <file>.sig. Nothing about racker's checks is relaxed for the sim.
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Exec } from '../agent/lib/exec.js';
import { pathExists } from '../agent/lib/path-exists.js';
import { FLATCAR_FILES } from '../bootstrap/assets.js';

export const STANDIN_VERSION = '0.0.0';

export interface SignedAssets {
  /** For bootstrap.flatcar.localDir. */
  localDir: string;
  /** For bootstrap.flatcar.signingKey: the throwaway key's certificate (armored). */
  signingKey: string;
  version: string;
}

export async function signStandinAssets(exec: Exec, assetsDir: string, buildDir: string): Promise<SignedAssets> {
  const signed = join(buildDir, 'signed');
  const cert = join(buildDir, 'standin-signing-cert.asc');
  // Flatcar versions are three numbers; the stand-in is "0.0.0" to racker (its own version.txt says stand-in).
  const version = STANDIN_VERSION;
  const done = join(signed, '.complete');
  if (await pathExists(done)) return { localDir: signed, signingKey: cert, version };
  await rm(signed, { recursive: true, force: true });
  const key = join(buildDir, 'standin-signing-key.pgp');
  await rm(key, { force: true });
  await exec('sq', ['key', 'generate', '--userid', '<racker-sim@racker.invalid>', '--export', key], { timeoutMs: 60_000 });
  await exec('sq', ['key', 'extract-cert', '--output', cert, key], { timeoutMs: 60_000, okExitCodes: [0] }).catch(async () => {
    // Older sq prints the certificate instead of taking --output.
    await writeFile(cert, (await exec('sq', ['key', 'extract-cert', key], { timeoutMs: 60_000 })).stdout);
  });
  await mkdir(join(signed, 'current'), { recursive: true });
  await mkdir(join(signed, version), { recursive: true });
  await writeFile(join(signed, 'current', 'version.txt'), `FLATCAR_VERSION=${version}\nFLATCAR_BUILD_ID=racker-standin\n`);
  for (const name of FLATCAR_FILES) {
    const dest = join(signed, version, name);
    await copyFile(join(assetsDir, 'current', name), dest);
    await exec('sq', ['sign', '--detached', '--binary', '--signer-key', key, '--output', `${dest}.sig`, dest], { timeoutMs: 120_000 });
  }
  await writeFile(done, `${version}\n`);
  return { localDir: signed, signingKey: cert, version };
}
