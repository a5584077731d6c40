/**
 * Opens one entry of a kubeadm-certs Secret as kubeadm's DownloadCerts does (cryptoutil.DecryptBytes:
 * AES-256-GCM, the 12-byte nonce first, the 16-byte tag last), written apart from the product's
 * encryption so that a test checks the format rather than the product against itself.
 */
import { createDecipheriv } from 'node:crypto';

export function openKubeadmCertsEntry(base64: string, certificateKey: string): string {
  const raw = Buffer.from(base64, 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(certificateKey, 'hex'), raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
}
