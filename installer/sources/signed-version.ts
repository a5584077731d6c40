/**
 * The version a verified payload says it is: its `VERSION` file, inside the signed bytes. A
 * release listing (SHA256SUMS, an image tag or label) only says where to look; a payload is
 * installed only when the version it carries is the one chosen, so a mirror that lists an older
 * signed payload under a newer name cannot downgrade a rack.
 */
import type { Exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError, isRackerError } from '../../agent/lib/errors.js';
import { isVersion } from '../versions.js';

/** `tar` arguments that print the payload's VERSION member on stdout. */
export function versionMemberArgs(payload: string): string[] {
  return ['--extract', '--gzip', '--to-stdout', '--file', payload, './VERSION'];
}

/** Throws RACKER_E_VERIFY unless the (already verified) payload's VERSION is `chosen`. */
export async function assertPayloadVersion(payload: string, chosen: string, listedBy: string, exec: Exec): Promise<void> {
  let carried: string;
  try {
    carried = (await exec('tar', versionMemberArgs(payload), { timeoutMs: 120_000 })).stdout.trim();
  } catch (e) {
    if (!isRackerError(e)) throw e;
    carried = '';
  }
  if (!isVersion(carried)) {
    throw new RackerError(ErrorCodes.verify, `the signed payload for racker ${chosen} has no valid VERSION`, { hint: 'the payload was refused and nothing was changed; it was not built by `npm run payload`' });
  }
  if (carried !== chosen) {
    throw new RackerError(ErrorCodes.verify, `${listedBy} offers racker ${chosen}, but its signed payload is racker ${carried}`,
      { hint: 'the payload was refused and nothing was changed: the release listing does not match what was signed (a mirror may be trying to downgrade this rack)' });
  }
}
