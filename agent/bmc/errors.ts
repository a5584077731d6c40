/**
 * BMC failures as typed errors. Every message names the node, the BMC address, the step and what
 * was observed; none ever contains the password (callers pass only the target's public parts).
 */
import { ErrorCodes, RackerError } from '../lib/errors.js';
import type { RetryHints } from '../lib/backoff.js';

export interface BmcWhere {
  node: string;
  address: string;
  port: number;
}

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
  return new BmcError(ErrorCodes.bmcAuth, where, step, `${observed} (wrong user name or password)`,
    'check /usr/share/oem/ipmi_user and ipmi_password against the BMC; repeated failures can lock the account', true);
}

/** No answer within the configured time and retransmissions. */
export function bmcTimeoutError(where: BmcWhere, step: string, ms: number): BmcError {
  return new BmcError(ErrorCodes.bmcTimeout, where, step, `no answer within ${ms} ms`,
    'check that the BMC is powered and cabled, that its DHCP lease is current (racker ipmi <node> diag) and that bmc.nodes pins the right address and port');
}

/** The BMC does not support the command or option. */
export function bmcUnsupportedError(where: BmcWhere, step: string, observed: string, hint?: string): BmcError {
  return new BmcError(ErrorCodes.bmcUnsupported, where, step, observed, hint ?? 'try another driver or cipher suite for this node in bmc.nodes', true);
}

/** The BMC answered with an error. */
export function bmcFailure(where: BmcWhere, step: string, observed: string, hint?: string): BmcError {
  return new BmcError(ErrorCodes.bmc, where, step, observed, hint);
}

export function isBmcError(e: unknown): e is BmcError {
  return e instanceof Error && e.name === 'BmcError';
}
