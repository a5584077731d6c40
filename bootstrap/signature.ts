/**
 * OpenPGP checks of Flatcar's images, in-process (agent/lib/openpgp-signature.ts says how and which
 * signatures count): a detached signature is good only if it verifies against the given key file.
 */
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';
import { checkDetachedSignature } from '../agent/lib/openpgp-signature.js';

/** Throws RACKER_E_SIGNATURE unless `signature` is a good signature of `file` by a key in `keyFile`. */
export async function verifyImageSignature(file: string, signature: string, keyFile: string): Promise<void> {
  const verdict = await checkDetachedSignature(file, signature, keyFile);
  if (verdict.ok) return;
  throw new RackerError(ErrorCodes.signature, `the OpenPGP signature of ${file} does not verify against ${keyFile}: ${verdict.reason}`,
    { hint: 'the file is not served; check the mirror, or that bootstrap.flatcar.signingKey is the key the images are signed with' });
}
