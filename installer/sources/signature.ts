/**
 * OpenPGP detached-signature checks for payloads, with whichever verifier the host has: Sequoia's
 * `sqv` or `sq`, or GnuPG's `gpgv` (Debian). The keyring holds the certificates allowed to sign
 * releases; armored keyrings are converted for gpgv, which reads only binary ones.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec } from '../../agent/lib/exec.js';
import { CommandFailedError, ErrorCodes, RackerError } from '../../agent/lib/errors.js';

export type Verifier = 'sqv' | 'sq' | 'gpgv';
export const VERIFIERS: readonly Verifier[] = ['sqv', 'sq', 'gpgv'];

/** Arguments that check `sig` over `file` against `keyring`; every verifier exits non-zero on a bad signature. */
export function verifyArgs(tool: Verifier, keyring: string, sig: string, file: string): string[] {
  switch (tool) {
    case 'sqv': return ['--keyring', keyring, '--', sig, file];
    case 'sq': return ['verify', '--signer-cert', keyring, '--detached', sig, file];
    case 'gpgv': return ['--keyring', keyring, '--', sig, file];
  }
}

/** Binary packets of an ASCII-armored OpenPGP text (every block), or the input if it is not armored. */
export function dearmor(data: Buffer): Buffer {
  const text = data.toString('latin1');
  if (!text.includes('-----BEGIN PGP')) return data;
  const blocks = [...text.matchAll(/-----BEGIN PGP [A-Z ]+-----\r?\n([\s\S]*?)-----END PGP [A-Z ]+-----/g)];
  return Buffer.concat(blocks.map((m) => {
    const body = (m[1] ?? '').split(/\r?\n/);
    const blank = body.findIndex((l) => l.trim() === '');
    const lines = body.slice(blank + 1).filter((l) => l.trim() !== '' && !l.startsWith('='));
    return Buffer.from(lines.join(''), 'base64');
  }));
}

export interface VerifyOptions {
  file: string;
  sig: string;
  keyring: string;
  exec: Exec;
  /** Verifiers to try, in order; the first one installed decides. */
  tools?: readonly Verifier[];
}

/** Throws RACKER_E_VERIFY unless the signature is good; says which verifier decided. */
export async function verifySignature(o: VerifyOptions): Promise<Verifier> {
  const missing: string[] = [];
  for (const tool of o.tools ?? VERIFIERS) {
    let keyring = o.keyring;
    let tmp: string | undefined;
    try {
      if (tool === 'gpgv') {
        tmp = await mkdtemp(join(tmpdir(), 'racker-gpgv-'));
        keyring = join(tmp, 'keyring.gpg');
        await writeFile(keyring, dearmor(await readFile(o.keyring)));
      }
      await o.exec(tool, verifyArgs(tool, keyring, o.sig, o.file), { timeoutMs: 300_000 });
      return tool;
    } catch (e) {
      if (e instanceof CommandFailedError && e.exitStatus === undefined && /ENOENT|install /.test(`${e.message} ${e.hint ?? ''}`)) {
        missing.push(tool);
        continue;
      }
      if (e instanceof CommandFailedError) {
        throw new RackerError(ErrorCodes.verify, `the OpenPGP signature ${o.sig} does not verify ${o.file} against ${o.keyring} (${tool}: ${e.stderr.trim().split('\n').slice(-2).join(' | ')})`,
          { hint: 'the payload was refused and nothing was changed; fetch it again, or check that the keyring holds the release signing key' });
      }
      throw e;
    } finally {
      if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
    }
  }
  throw new RackerError(ErrorCodes.verify, `no OpenPGP verifier is installed (tried ${missing.join(', ')})`,
    { hint: 'install sqv, sq or gpgv; payloads from a tarball source are never installed unchecked' });
}
