/**
 * The cluster's certificate authorities, service-account key and admin credentials, made by the
 * agent: they go to the first controller (kubeadm uses existing ones), joining nodes pin the CA's
 * public key hash, a controller joining later gets the shared keys through the API under a fresh
 * certificate key (kubeadm's upload-certs), and the agent mints the admin kubeconfig itself, so no
 * credential ever travels back from a node. Keys are made with Node's crypto, certificates with
 * openssl; keys only ever sit in 0600 files (never argv).
 */
import { createCipheriv, createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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

/**
 * One entry of kubeadm's kubeadm-certs Secret: AES-256-GCM under the certificate key, the 12-byte
 * nonce in front of the sealed data (kubeadm's cryptoutil.EncryptBytes, which DownloadCerts opens).
 */
export function encryptForKubeadm(data: string, certificateKey: string): Buffer {
  const key = Buffer.from(certificateKey, 'hex');
  if (key.length !== 32) throw new Error('a kubeadm certificate key is 32 bytes of hex');
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, cipher.update(data, 'utf8'), cipher.final(), cipher.getAuthTag()]);
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
  /**
   * The other keys every controller shares, handed to `kubeadm init` so that the agent can later
   * upload them for a controller joining the running cluster. Absent for a cluster an earlier
   * racker formed (kubeadm made them there, and they never left the first controller).
   */
  controlPlane?: ControlPlaneKeys;
}

export interface ControlPlaneKeys {
  saKey: string;
  saPub: string;
  frontProxyCaCert: string;
  frontProxyCaKey: string;
  etcdCaCert: string;
  etcdCaKey: string;
}

/**
 * The certificates and keys kubeadm shares between controllers, by their name under
 * /etc/kubernetes/pki (kubeadm's certsToTransfer; its kubeadm-certs Secret names them with `/`
 * replaced by `-`). Pure.
 */
export function sharedControlPlaneFiles(s: Pick<StoredClusterSecrets, 'caCert' | 'caKey'>, k: ControlPlaneKeys): { name: string; content: string; privateKey: boolean }[] {
  return [
    { name: 'ca.crt', content: s.caCert, privateKey: false }, { name: 'ca.key', content: s.caKey, privateKey: true },
    { name: 'sa.key', content: k.saKey, privateKey: true }, { name: 'sa.pub', content: k.saPub, privateKey: false },
    { name: 'front-proxy-ca.crt', content: k.frontProxyCaCert, privateKey: false }, { name: 'front-proxy-ca.key', content: k.frontProxyCaKey, privateKey: true },
    { name: 'etcd/ca.crt', content: k.etcdCaCert, privateKey: false }, { name: 'etcd/ca.key', content: k.etcdCaKey, privateKey: true },
  ];
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
  controlPlane: z.object({
    saKey: pem('PRIVATE KEY'), saPub: pem('PUBLIC KEY'),
    frontProxyCaCert: pem('CERTIFICATE'), frontProxyCaKey: pem('PRIVATE KEY'),
    etcdCaCert: pem('CERTIFICATE'), etcdCaKey: pem('PRIVATE KEY'),
  }).optional(),
}).transform(({ caCert, caKey, caCertHash, adminCert, adminKey, controlPlane }) => ({ caCert, caKey, caCertHash, adminCert, adminKey, ...(controlPlane === undefined ? {} : { controlPlane }) }));

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

/** openssl argv for a self-signed CA (pure); kubeadm names its CAs kubernetes, front-proxy-ca and etcd-ca. */
export function caArgs(keyFile: string, outFile: string, commonName = 'kubernetes'): string[] {
  return ['req', '-x509', '-new', '-key', keyFile, '-subj', `/CN=${commonName}`, '-days', '3650', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign', '-out', outFile];
}

/** A CA's key and certificate, made in `work` (0700); the key never appears in argv. */
async function makeCa(work: string, name: string, commonName: string, exec: Exec): Promise<{ cert: string; key: string }> {
  const key = rsaKey();
  await writeFile(join(work, `${name}.key`), key, { mode: 0o600 });
  await exec('openssl', caArgs(join(work, `${name}.key`), join(work, `${name}.crt`), commonName));
  return { cert: await readFile(join(work, `${name}.crt`), 'utf8'), key };
}

async function makeControlPlaneKeys(work: string, exec: Exec): Promise<ControlPlaneKeys> {
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const frontProxy = await makeCa(work, 'front-proxy-ca', 'front-proxy-ca', exec);
  const etcd = await makeCa(work, 'etcd-ca', 'etcd-ca', exec);
  return {
    saKey: sa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, saPub: sa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    frontProxyCaCert: frontProxy.cert, frontProxyCaKey: frontProxy.key, etcdCaCert: etcd.cert, etcdCaKey: etcd.key,
  };
}

async function withWorkDir<T>(dir: string, f: (work: string) => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const work = join(dir, `.work-${randomBytes(4).toString('hex')}`);
  await mkdir(work, { mode: 0o700 });
  try {
    return await f(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface ClusterSecretsOptions {
  exec?: Exec;
  /** Where an earlier racker kept the secrets; found there, they are copied to `dir` (the cluster keeps its CA). */
  formerDir?: string;
  /**
   * `kubeadm init` runs in this bootstrap (the first controller is provisioned): secrets without
   * control-plane keys get them now, since the new cluster will be made with them.
   */
  forming?: boolean;
}

/**
 * The secrets of a cluster, created once and kept in `dir` (0700; files 0600) so that every render
 * of the Ignition configs and every later run use the same ones.
 */
export async function ensureClusterSecrets(dir: string, o: ClusterSecretsOptions = {}): Promise<StoredClusterSecrets> {
  const exec = o.exec ?? realExec;
  const file = join(dir, 'secrets.json');
  for (const f of o.formerDir === undefined ? [file] : [file, join(o.formerDir, 'secrets.json')]) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      if (isENOENT(e)) continue;
      throw e;
    }
    // Files from earlier versions also hold a token and certificate key: long dead, never used.
    const { caCert, caKey, caCertHash, adminCert, adminKey, controlPlane } = parseJsonDocument(text, storedClusterSecretsSchema, {
      file: f, code: ErrorCodes.cluster, secret: true,
      hint: `restore ${f} from a backup: the cluster's nodes trust its CA, so new secrets would not join them`,
    });
    const stored: StoredClusterSecrets = { caCert, caKey, caCertHash, adminCert, adminKey, ...(controlPlane === undefined ? {} : { controlPlane }) };
    if (stored.controlPlane === undefined && o.forming === true) stored.controlPlane = await withWorkDir(dir, (work) => makeControlPlaneKeys(work, exec));
    if (f !== file || stored.controlPlane !== controlPlane) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    }
    return stored;
  }
  const secrets = await withWorkDir(dir, async (work): Promise<StoredClusterSecrets> => {
    const ca = await makeCa(work, 'ca', 'kubernetes', exec);
    const adminKey = rsaKey();
    await writeFile(join(work, 'admin.key'), adminKey, { mode: 0o600 });
    await exec('openssl', ['req', '-new', '-key', join(work, 'admin.key'), '-subj', '/O=system:masters/CN=racker-admin', '-out', join(work, 'admin.csr')]);
    await writeFile(join(work, 'admin.ext'), 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
    await exec('openssl', ['x509', '-req', '-in', join(work, 'admin.csr'), '-CA', join(work, 'ca.crt'), '-CAkey', join(work, 'ca.key'),
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '3650', '-sha256', '-extfile', join(work, 'admin.ext'), '-out', join(work, 'admin.crt')]);
    return {
      caCert: ca.cert, caKey: ca.key, caCertHash: caCertHash(ca.cert), adminCert: await readFile(join(work, 'admin.crt'), 'utf8'), adminKey,
      controlPlane: await makeControlPlaneKeys(work, exec),
    };
  });
  await writeFileAtomic(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
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
