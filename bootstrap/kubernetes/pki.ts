/**
 * The cluster's certificate authority and the admin credentials, made by the agent: the CA goes to
 * the first controller (kubeadm uses an existing CA), joining nodes pin its public key hash, and the
 * agent mints the admin kubeconfig itself, so no credential ever travels back from a node. Keys are
 * made with Node's crypto, certificates with openssl; keys only ever sit in 0600 files (never argv).
 */
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ErrorCodes, isENOENT } from '../../agent/lib/errors.js';
import { parseJsonDocument } from '../../agent/lib/json-document.js';
import { exec as realExec, type Exec } from '../../agent/lib/exec.js';
import { writeFileAtomic } from '../../agent/lib/atomic-file.js';

/**
 * What nodes join with, made fresh for every bootstrap run and never stored: kubeadm keeps a
 * bootstrap token 24 hours and the uploaded control-plane certificates 2 hours, so credentials
 * from an earlier run would be dead by the time a later run (a new node, a reprovisioned one) uses them.
 */
export interface JoinCredentials {
  /** kubeadm bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`. */
  token: string;
  /** kubeadm certificate key (hex, 32 bytes) for the control-plane certificates shared through the API. */
  certificateKey: string;
}

export function freshJoinCredentials(): JoinCredentials {
  return { token: bootstrapToken(), certificateKey: randomBytes(32).toString('hex') };
}

/** The cluster's lasting secrets (stored) and this run's join credentials. */
export interface ClusterSecrets extends StoredClusterSecrets, JoinCredentials {}

export interface StoredClusterSecrets {
  caCert: string;
  caKey: string;
  /** `sha256:<hex>` of the CA's public key, what joining nodes pin. */
  caCertHash: string;
  adminCert: string;
  adminKey: string;
}

const pem = (kind: string): z.ZodString => z.string().regex(new RegExp(`-----BEGIN [A-Z ]*${kind}-----`), `must be a PEM ${kind.toLowerCase()}`);

/**
 * secrets.json as read back. Strict on what racker needs; files from earlier versions also hold a
 * token and a certificate key (long dead, never used), which are dropped. Messages never quote a value.
 */
const storedClusterSecretsSchema: z.ZodType<StoredClusterSecrets> = z.object({
  caCert: pem('CERTIFICATE'),
  caKey: pem('PRIVATE KEY'),
  caCertHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256: and 64 lowercase hex digits'),
  adminCert: pem('CERTIFICATE'),
  adminKey: pem('PRIVATE KEY'),
}).transform(({ caCert, caKey, caCertHash, adminCert, adminKey }) => ({ caCert, caKey, caCertHash, adminCert, adminKey }));

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function bootstrapToken(random: (n: number) => Buffer = randomBytes): string {
  const pick = (n: number): string => [...random(n)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
  return `${pick(6)}.${pick(16)}`;
}

export function caCertHash(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

function rsaKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** openssl argv for a self-signed CA (pure). */
export function caArgs(keyFile: string, outFile: string): string[] {
  return ['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=kubernetes', '-days', '3650', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign', '-out', outFile];
}

/**
 * The secrets of a cluster, created once and kept in `dir` (0700; files 0600) so that every render
 * of the Ignition configs and every later run use the same ones. `formerDir`: where an earlier
 * racker kept them; found there, they are copied to `dir` (the cluster keeps its CA).
 */
export async function ensureClusterSecrets(dir: string, exec: Exec = realExec, formerDir?: string): Promise<StoredClusterSecrets> {
  const file = join(dir, 'secrets.json');
  for (const f of formerDir === undefined ? [file] : [file, join(formerDir, 'secrets.json')]) {
    try {
      const text = await readFile(f, 'utf8');
      const secrets = parseJsonDocument(text, storedClusterSecretsSchema, {
        file: f, code: ErrorCodes.cluster, secret: true,
        hint: `restore ${f} from a backup: the cluster's nodes trust its CA, so new secrets would not join them`,
      });
      if (f !== file) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await writeFileAtomic(file, text, { mode: 0o600 });
      }
      return secrets;
    } catch (e) {
      if (!isENOENT(e)) throw e;
    }
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const work = join(dir, `.work-${randomBytes(4).toString('hex')}`);
  await mkdir(work, { mode: 0o700 });
  const caKey = rsaKey();
  const adminKey = rsaKey();
  await writeFile(join(work, 'ca.key'), caKey, { mode: 0o600 });
  await writeFile(join(work, 'admin.key'), adminKey, { mode: 0o600 });
  await exec('openssl', caArgs(join(work, 'ca.key'), join(work, 'ca.crt')));
  await exec('openssl', ['req', '-new', '-key', join(work, 'admin.key'), '-subj', '/O=system:masters/CN=racker-admin', '-out', join(work, 'admin.csr')]);
  await writeFile(join(work, 'admin.ext'), 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  await exec('openssl', ['x509', '-req', '-in', join(work, 'admin.csr'), '-CA', join(work, 'ca.crt'), '-CAkey', join(work, 'ca.key'),
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '3650', '-sha256', '-extfile', join(work, 'admin.ext'), '-out', join(work, 'admin.crt')]);
  const caCert = await readFile(join(work, 'ca.crt'), 'utf8');
  const secrets: StoredClusterSecrets = {
    caCert, caKey, caCertHash: caCertHash(caCert), adminCert: await readFile(join(work, 'admin.crt'), 'utf8'), adminKey,
  };
  await writeFileAtomic(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await import('node:fs/promises').then((fs) => fs.rm(work, { recursive: true, force: true }));
  return secrets;
}

/** The admin kubeconfig (pure). */
export function renderKubeconfig(clusterName: string, server: string, s: Pick<ClusterSecrets, 'caCert' | 'adminCert' | 'adminKey'>): string {
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  const user = `racker-admin@${clusterName}`;
  return `apiVersion: v1
kind: Config
clusters:
- name: ${clusterName}
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(s.caCert)}
users:
- name: ${user}
  user:
    client-certificate-data: ${b64(s.adminCert)}
    client-key-data: ${b64(s.adminKey)}
contexts:
- name: ${user}
  context:
    cluster: ${clusterName}
    user: ${user}
current-context: ${user}
`;
}
