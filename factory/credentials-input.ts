/**
 * Checks of the BMC credentials as typed in the TUI: what `factory check` requires of ipmi_user and
 * ipmi_password (present, one line), plus the limits IPMI 2.0 puts on them (user 16 bytes,
 * password 20) and the password entered twice. Pure.
 */
import { IPMI_MAX_PASSWORD_BYTES } from './password-strength.js';

export const IPMI_MAX_USER_BYTES = 16;

export interface CredentialsInput {
  user: string;
  password: string;
  confirm: string;
}

export interface CredentialProblem {
  field: 'user' | 'password' | 'confirm';
  message: string;
}

export function validateCredentials(c: CredentialsInput): CredentialProblem[] {
  const out: CredentialProblem[] = [];
  if (c.user.trim() === '') out.push({ field: 'user', message: 'the BMC user name is required' });
  else if (/\s/.test(c.user)) out.push({ field: 'user', message: 'the user name must not contain spaces' });
  else if (Buffer.byteLength(c.user) > IPMI_MAX_USER_BYTES) out.push({ field: 'user', message: `at most ${IPMI_MAX_USER_BYTES} bytes (an IPMI limit)` });
  if (c.password === '') out.push({ field: 'password', message: 'the BMC password is required' });
  else if (/[\r\n]/.test(c.password)) out.push({ field: 'password', message: 'the password must be one line' });
  else if (Buffer.byteLength(c.password) > IPMI_MAX_PASSWORD_BYTES) out.push({ field: 'password', message: `at most ${IPMI_MAX_PASSWORD_BYTES} bytes (an IPMI 2.0 limit)` });
  if (c.password !== '' && c.confirm !== c.password) out.push({ field: 'confirm', message: c.confirm === '' ? 'enter the password again' : 'the two passwords differ' });
  return out;
}
