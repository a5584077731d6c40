/**
 * OpenPGP signature checks with Debian's gpgv (no keyring state, no agent): a detached signature is
 * good only if it verifies against the given public key. The armored key is converted to the binary
 * keyring gpgv reads; its CRC is checked so a damaged key file is reported as such.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, RackerError, isRackerError } from '../agent/lib/errors.js';
import { exec as realExec, type Exec } from '../agent/lib/exec.js';

/** Binary OpenPGP data from an ASCII-armored block (RFC 4880 §6.2), checking its CRC-24. */
export function dearmor(text: string, file: string): Buffer {
  const lines = text.replace(/\r/g, '').split('\n');
  const begin = lines.findIndex((l) => l.startsWith('-----BEGIN PGP'));
  const end = lines.findIndex((l, i) => i > begin && l.startsWith('-----END PGP'));
  if (begin === -1 || end === -1) throw new RackerError(ErrorCodes.signature, `${file} is not an ASCII-armored OpenPGP key`);
  let i = begin + 1;
  while (i < end && lines[i]?.trim() !== '') i++; // armor headers end at the first empty line
  const body = lines.slice(i + 1, end).filter((l) => l.trim() !== '');
  const crcLine = body.length > 0 && body[body.length - 1]?.startsWith('=') === true ? body.pop() : undefined;
  const data = Buffer.from(body.join(''), 'base64');
  if (crcLine !== undefined && Buffer.from(crcLine.slice(1), 'base64').readUIntBE(0, 3) !== crc24(data)) {
    throw new RackerError(ErrorCodes.signature, `${file} is damaged (its checksum does not match)`);
  }
  return data;
}

export function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let b = 0; b < 8; b++) {
      crc <<= 1;
      if ((crc & 0x1000000) !== 0) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** gpgv's argv (pure). */
export function gpgvArgs(keyring: string, signature: string, file: string): string[] {
  return ['--keyring', keyring, signature, file];
}

export class SignatureVerifier {
  constructor(private readonly keyring: string, private readonly keyFile: string, private readonly exec: Exec = realExec) {}

  /** Write the keyring gpgv reads (binary) next to the files being checked. */
  static async prepare(armoredKey: string, keyFile: string, workDir: string, exec?: Exec): Promise<SignatureVerifier> {
    const keyring = join(workDir, '.racker-signing-key.gpg');
    await writeFile(keyring, dearmor(armoredKey, keyFile), { mode: 0o600 });
    return new SignatureVerifier(keyring, keyFile, exec);
  }

  /** Throws RACKER_E_SIGNATURE unless `signature` is a good signature of `file` by the key. */
  async verify(file: string, signature: string, workDir: string): Promise<void> {
    try {
      await this.exec('gpgv', gpgvArgs(this.keyring, signature, file), { timeoutMs: 600_000, env: { GNUPGHOME: workDir, LC_ALL: 'C' } });
    } catch (e) {
      const detail = isRackerError(e) && 'stderr' in e ? String((e as { stderr: string }).stderr).trim().split('\n').filter((l) => /BAD|no valid|not verified|Can't check|public key/i.test(l)).join('; ') : (e as Error).message;
      throw new RackerError(ErrorCodes.signature, `the OpenPGP signature of ${file} does not verify against ${this.keyFile}${detail !== '' ? `: ${detail}` : ''}`,
        { hint: 'the file is not served; check the mirror, or that bootstrap.flatcar.signingKey is the key the images are signed with', cause: e });
    }
  }
}
