/**
 * `racker factory gen-ssh-key`: the rack's SSH key pair, ed25519, in `<etcDir>/ssh/id_ed25519`
 * (private 0600, directory 0700) made by ssh-keygen. An existing key is never replaced without
 * --force: it may already be installed on servers or handed over.
 */
import { chmod, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { etcFiles } from '../agent/config/paths.js';
import type { Exec } from '../agent/lib/exec.js';
import { ErrorCodes, RackerError, isENOENT } from '../agent/lib/errors.js';

export const sshKeyPaths = (etcDir: string): { dir: string; privateKey: string; publicKey: string } => {
  const f = etcFiles(etcDir);
  return { dir: f.sshDir, privateKey: f.sshPrivateKey, publicKey: f.sshPublicKey };
};

/** ssh-keygen's arguments: no passphrase (the agent uses the key unattended), comment "racker". */
export function sshKeygenArgs(privateKeyPath: string): string[] {
  return ['-q', '-t', 'ed25519', '-N', '', '-C', 'racker', '-f', privateKeyPath];
}

export interface GeneratedKey {
  privateKeyPath: string;
  publicKeyPath: string;
  publicKey: string;
  replaced: boolean;
}

export async function generateSshKey(etcDir: string, o: { force: boolean; exec: Exec }): Promise<GeneratedKey> {
  const p = sshKeyPaths(etcDir);
  const present = (await Promise.all([p.privateKey, p.publicKey].map(exists))).some(Boolean);
  if (present && !o.force) {
    throw new RackerError(ErrorCodes.conflict, `an SSH key already exists at ${p.privateKey}`,
      { hint: 'keep it, or pass --force to replace it (the old key then stops working wherever it was installed)' });
  }
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  await chmod(p.dir, 0o700);
  if (present) for (const f of [p.privateKey, p.publicKey]) await unlink(f).catch((e: unknown) => { if (!isENOENT(e)) throw e; });
  await o.exec('ssh-keygen', sshKeygenArgs(p.privateKey), { timeoutMs: 30_000 });
  await chmod(p.privateKey, 0o600);
  await chmod(p.publicKey, 0o644);
  return { privateKeyPath: p.privateKey, publicKeyPath: p.publicKey, publicKey: (await readFile(p.publicKey, 'utf8')).trim(), replaced: present };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, (e: unknown) => {
    if (isENOENT(e)) return false;
    throw e;
  });
}
