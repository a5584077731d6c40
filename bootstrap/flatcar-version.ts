/**
 * Flatcar version numbers (MAJOR.MINOR.PATCH, e.g. 4081.2.0), compared as numbers, and the
 * downgrade guard for `current`. The images are OpenPGP-verified but the channel's
 * current/version.txt is not: whoever can change it (a mirror, a proxy) cannot serve a forged
 * image, but can point at an older signed release and so roll the rack back to a Flatcar with known
 * holes. `current` therefore never resolves below a version already verified for the channel;
 * installing an older release stays possible, as an explicit pin.
 */
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';
import { compareVersions, newest, parseVersion } from '../installer/versions.js';

// Flatcar versions are racker's version numbers without a pre-release part: one comparison for both.

export type FlatcarVersion = readonly [major: number, minor: number, patch: number];

export function parseFlatcarVersion(text: string): FlatcarVersion | undefined {
  const v = parseVersion(text);
  return v === undefined || v.pre !== undefined ? undefined : [v.major, v.minor, v.patch];
}

/** Numeric order (4081.10.0 is newer than 4081.9.0); throws on text that is not a version. */
export function compareFlatcarVersions(a: string, b: string): number {
  for (const v of [a, b]) if (parseFlatcarVersion(v) === undefined) throw new RangeError(`not a Flatcar version: ${v}`);
  return compareVersions(a, b);
}

/** The newest of `versions`, ignoring text that is not a version. */
export function newestFlatcarVersion(versions: Iterable<string>): string | undefined {
  return newest([...versions]);
}

export interface CurrentResolution {
  channel: string;
  /** What current/version.txt says. */
  resolved: string;
  /** Where it was read: the URL, or the file of a local directory. */
  from: string;
  /** The newest version already verified for this channel, if any. */
  newestVerified: string | undefined;
}

/** Throws when `current` went backwards; equal or newer is fine. */
export function refuseCurrentDowngrade(r: CurrentResolution): void {
  if (r.newestVerified === undefined || compareFlatcarVersions(r.resolved, r.newestVerified) >= 0) return;
  throw new RackerError(ErrorCodes.flatcarDowngrade,
    `${r.from} says the current ${r.channel} Flatcar is ${r.resolved}, older than ${r.newestVerified}, which racker already verified for the ${r.channel} channel; refusing to install an older release unasked`,
    { hint: `if ${r.resolved} is what you want (a rollback), pin it: set bootstrap.flatcar.version: ${r.resolved}; otherwise check the mirror or proxy behind ${r.from}, or pin ${r.newestVerified}` });
}
