/**
 * OpenPGP detached-signature checks for payloads, in-process (agent/lib/openpgp-signature.ts says
 * how and which signatures count). The keyring holds the certificates allowed to sign releases,
 * armored or binary.
 */
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import { checkDetachedSignature } from '../../agent/lib/openpgp-signature.js';

export interface VerifyOptions {
  file: string;
  sig: string;
  keyring: string;
}

/** Throws RACKER_E_VERIFY unless the signature is good; returns the signing certificate's fingerprint. */
export async function verifySignature(o: VerifyOptions): Promise<string> {
  const verdict = await checkDetachedSignature(o.file, o.sig, o.keyring);
  if (verdict.ok) return verdict.signer;
  throw new RackerError(ErrorCodes.verify, `the OpenPGP signature ${o.sig} does not verify ${o.file} against ${o.keyring}: ${verdict.reason}`,
    { hint: 'the payload was refused and nothing was changed; fetch it again, or check that the keyring holds the release signing key' });
}
