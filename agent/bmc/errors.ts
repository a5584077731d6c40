/**
 * BMC failures as typed errors. Every message names the node, the BMC address, the step and what
 * was observed; none ever contains the password (callers pass only the target's public parts).
 */
import { ErrorCodes, RackerError } from '../lib/errors.js';
import type { RetryHints } from '../lib/backoff.js';
import { oemFiles } from '../config/paths.js';
import type { BmcTarget } from './bmc-client.js';

export interface BmcWhere {
  node: string;
  address: string;
  port: number;
  /** Which driver talks to it: hints differ (cipher suites are IPMI's). */
  driver?: 'ipmi' | 'ipmitool' | 'redfish';
  /** The OEM directory the credentials were read from, for the hint of an authentication failure. */
  oemDir?: string;
}

/** Where a driver's errors happened, from its target. */
export const whereOf = (t: BmcTarget, driver: NonNullable<BmcWhere['driver']>): BmcWhere => ({ node: t.node, address: t.address, port: t.port, driver, oemDir: t.oemDir });

const at = (w: BmcWhere): string => `node ${w.node}: BMC ${w.address}${w.port === 623 || w.port === 443 ? '' : `:${w.port}`}`;

/** A BMC failure. `permanent` tells withBackoff not to retry (wrong password locks accounts). */
export class BmcError extends RackerError implements RetryHints {
  readonly permanent: boolean;
  readonly step: string;

  constructor(code: (typeof ErrorCodes)['bmc' | 'bmcAuth' | 'bmcTimeout' | 'bmcUnsupported'], where: BmcWhere, step: string, observed: string, hint?: string, permanent = false) {
    super(code, `${at(where)}: ${step}: ${observed}`, { hint });
    this.name = 'BmcError';
    this.permanent = permanent;
    this.step = step;
  }
}

/** The BMC refused the credentials. Never retried. */
export function bmcAuthError(where: BmcWhere, step: string, observed: string): BmcError {
  const files = where.oemDir === undefined ? undefined : oemFiles(where.oemDir);
  const source = files === undefined ? 'the BMC credentials (ipmi_user and ipmi_password in the OEM directory)' : `${files.ipmiUser} and ${files.ipmiPassword}`;
  return new BmcError(ErrorCodes.bmcAuth, where, step, `${observed} (wrong user name or password)`,
    `check ${source} against the BMC; repeated failures can lock the account`, true);
}

/** The BMC knows the account but refuses it this operation (HTTP 403, IPMI 0xd4): not a wrong password. */
export function bmcPrivilegeError(where: BmcWhere, step: string, observed: string): BmcError {
  return new BmcError(ErrorCodes.bmc, where, step, `${observed} (the account lacks the privilege)`,
    'give the BMC user the Administrator role (Redfish RoleId) or administrator privilege on the LAN channel (IPMI)', true);
}

/** No answer within the configured time and retransmissions. */
export function bmcTimeoutError(where: BmcWhere, step: string, ms: number): BmcError {
  return new BmcError(ErrorCodes.bmcTimeout, where, step, `no answer within ${ms} ms`,
    'check that the BMC is powered and cabled, that its DHCP lease is current (racker ipmi <node> diag) and that bmc.nodes pins the right address and port');
}

/** The BMC does not support the command or option. */
export function bmcUnsupportedError(where: BmcWhere, step: string, observed: string, hint?: string): BmcError {
  const fallback = where.driver === 'redfish' ? 'try the ipmi driver for this node (bmc.nodes."<BMC MAC>".driver)' : 'try another driver or cipher suite for this node in bmc.nodes';
  return new BmcError(ErrorCodes.bmcUnsupported, where, step, observed, hint ?? fallback, true);
}

/** The BMC answered with an error. */
export function bmcFailure(where: BmcWhere, step: string, observed: string, hint?: string): BmcError {
  return new BmcError(ErrorCodes.bmc, where, step, observed, hint);
}

export function isBmcError(e: unknown): e is BmcError {
  return e instanceof Error && e.name === 'BmcError';
}
