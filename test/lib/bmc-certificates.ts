/**
 * TLS material for emulated BMCs, made by openssl: a self-signed certificate (what most BMCs ship)
 * and a leaf issued by a private CA (what a site with its own PKI installs). The fingerprint is
 * what `openssl x509 -fingerprint -sha256` prints for the leaf, as an operator would pin it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const run = promisify(execFile);

export interface BmcCertificate {
  key: string;
  /** The leaf, followed by the CA certificate for a CA-issued one (the chain a server sends). */
  chain: string;
  /** File of the certificate a client trusts: the self-signed leaf, or the CA. */
  trustFile: string;
  fingerprint: string;
}

async function fingerprintOf(file: string): Promise<string> {
  const { stdout } = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', file]);
  return stdout.trim().split('=')[1] as string;
}

export async function selfSignedCertificate(dir: string): Promise<BmcCertificate> {
  const key = join(dir, 'self.key');
  const cert = join(dir, 'self.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=bmc.example',
    '-addext', 'subjectAltName=IP:127.0.0.1']);
  return { key: await readFile(key, 'utf8'), chain: await readFile(cert, 'utf8'), trustFile: cert, fingerprint: await fingerprintOf(cert) };
}

export async function caIssuedCertificate(dir: string): Promise<BmcCertificate> {
  const caKey = join(dir, 'ca.key');
  const ca = join(dir, 'ca.pem');
  const key = join(dir, 'leaf.key');
  const csr = join(dir, 'leaf.csr');
  const leaf = join(dir, 'leaf.pem');
  const ext = join(dir, 'leaf.ext');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=Rack Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=bmc-node-2.example']);
  await writeFile(ext, 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', leaf, '-days', '2', '-extfile', ext]);
  const chain = `${await readFile(leaf, 'utf8')}${await readFile(ca, 'utf8')}`;
  return { key: await readFile(key, 'utf8'), chain, trustFile: ca, fingerprint: await fingerprintOf(leaf) };
}
