/**
 * Detached OpenPGP signatures checked in-process with OpenPGP.js, for payloads and Flatcar images:
 * no host tool (sqv, sq, gpgv) whose presence or command syntax varies by distribution.
 *
 * A file is good when at least one signature over it verifies against a key in the keyring and none
 * that names a keyring key is bad. OpenPGP.js's rules on time apply: the signing (sub)key must have
 * been valid (not expired, not revoked) when it signed, and the signature must not be dated in the
 * future. A key that expired later still vouches for what it signed before: Flatcar's signing
 * subkeys expire every year or two, so the images of an older pinned version carry signatures by
 * a subkey that has since expired.
 *
 * OpenPGP.js is loaded on first use: most racker commands never verify anything.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { PublicKey } from 'openpgp';
import { errorMessage } from './errors.js';

/** A detached signature is a few hundred bytes; a keyring of a few certificates some tens of KiB. */
const MAX_SIGNATURE_BYTES = 64 * 1024;
const MAX_KEYRING_BYTES = 4 * 1024 * 1024;

export type SignatureVerdict =
  | { ok: true; /** The primary key fingerprint (upper-case hex) of the certificate that signed. */ signer: string; created: Date }
  | { ok: false; /** Why, in words that fit after "does not verify: ". */ reason: string };

type OpenPgp = typeof import('openpgp');
let loaded: Promise<OpenPgp> | undefined;
const openpgp = (): Promise<OpenPgp> => (loaded ??= import('openpgp'));

/** Read at most `max` bytes; a longer file is not what it claims to be. */
async function readBounded(path: string, max: number, what: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > max) throw new Error(`${path} is larger than ${max} bytes, too large for ${what}`);
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

const ARMOR_BLOCK = /-----BEGIN PGP [A-Z ]+-----[\s\S]*?-----END PGP [A-Z ]+-----/g;

/** The public keys in an armored (one or several blocks) or binary keyring file. */
export async function readKeyring(path: string): Promise<PublicKey[]> {
  const pgp = await openpgp();
  const data = await readBounded(path, MAX_KEYRING_BYTES, 'an OpenPGP keyring');
  const text = data.toString('latin1');
  const keys = text.includes('-----BEGIN PGP')
    ? (await Promise.all([...text.matchAll(ARMOR_BLOCK)].map((m) => pgp.readKeys({ armoredKeys: m[0] })))).flat()
    : await pgp.readKeys({ binaryKeys: new Uint8Array(data) });
  if (keys.length === 0) throw new Error(`${path} holds no OpenPGP key`);
  return keys.map((k) => k.toPublic());
}

/** Check `signatureFile` (armored or binary) over `file` against the keys in `keyFile`. */
export async function checkDetachedSignature(file: string, signatureFile: string, keyFile: string): Promise<SignatureVerdict> {
  const pgp = await openpgp();
  let keys: PublicKey[];
  try {
    keys = await readKeyring(keyFile);
  } catch (e) {
    return { ok: false, reason: `the keyring cannot be read (${errorMessage(e)})` };
  }
  let signature: Awaited<ReturnType<OpenPgp['readSignature']>>;
  try {
    const raw = await readBounded(signatureFile, MAX_SIGNATURE_BYTES, 'a detached signature');
    const armored = raw.toString('latin1');
    signature = armored.includes('-----BEGIN PGP SIGNATURE-----')
      ? await pgp.readSignature({ armoredSignature: armored })
      : await pgp.readSignature({ binarySignature: new Uint8Array(raw) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
    return { ok: false, reason: `${signatureFile} is not an OpenPGP signature (${errorMessage(e)})` };
  }
  // The file is streamed through the hash: Flatcar's disk image is hundreds of MB.
  const message = await pgp.createMessage({ binary: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array> });
  const result = await pgp.verify({ message, signature, verificationKeys: keys, format: 'binary' });
  // The hash sees the file as the data is read; each signature's `verified` settles at its end.
  const reader = (result.data as ReadableStream<Uint8Array>).getReader();
  while (!(await reader.read()).done) { /* hashed on the way through */ }
  const known = new Set(keys.flatMap((k) => k.getKeyIDs().map((id) => id.toHex())));
  const reasons: string[] = [];
  let good: { signer: string; created: Date } | undefined;
  for (const s of result.signatures) {
    const keyId = s.keyID.toHex().toUpperCase();
    try {
      await s.verified;
      const created = (await s.signature).packets[0]?.created ?? new Date(0);
      const signer = keys.find((k) => k.getKeyIDs().some((id) => id.equals(s.keyID)))?.getFingerprint().toUpperCase() ?? keyId;
      good ??= { signer, created };
    } catch (e) {
      if (known.has(s.keyID.toHex())) return { ok: false, reason: `the signature by key ${keyId} is not good: ${errorMessage(e)}` };
      reasons.push(`made by key ${keyId}, which is not in the keyring`);
    }
  }
  if (good !== undefined) return { ok: true, ...good };
  return { ok: false, reason: reasons.length > 0 ? reasons.join('; ') : 'the signature file holds no signature' };
}
