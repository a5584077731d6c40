/**
 * A hint, not a rule, about the BMC password the technician types: BMC passwords travel to every
 * server of the rack and are rarely changed afterwards. IPMI 2.0 itself limits passwords to 20
 * bytes, which matters more than any entropy estimate: a longer one is refused by the BMCs.
 */
export type Strength = 'empty' | 'weak' | 'fair' | 'strong' | 'too-long';

export const IPMI_MAX_PASSWORD_BYTES = 20;
const COMMON = ['password', 'admin', 'calvin', 'changeme', 'root', 'ipmi', 'ADMIN', 'welcome', 'qwerty', '123456', 'letmein'];

export interface StrengthHint {
  strength: Strength;
  message: string;
}

export function passwordStrength(password: string): StrengthHint {
  if (password === '') return { strength: 'empty', message: 'enter the password every BMC of the rack uses' };
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > IPMI_MAX_PASSWORD_BYTES) {
    return { strength: 'too-long', message: `${bytes} bytes: IPMI 2.0 BMCs accept at most ${IPMI_MAX_PASSWORD_BYTES}` };
  }
  const lower = password.toLowerCase();
  if (COMMON.some((c) => lower.includes(c.toLowerCase()))) return { strength: 'weak', message: 'contains a well-known default or word (e.g. calvin, ADMIN, password)' };
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (/^(.)\1*$/.test(password)) return { strength: 'weak', message: 'one character repeated' };
  if (password.length < 8) return { strength: 'weak', message: `${password.length} characters; use at least 12` };
  if (password.length < 12 || classes < 3) return { strength: 'fair', message: 'use 12 or more characters mixing upper and lower case, digits and symbols' };
  if (!/^[\x20-\x7e]+$/.test(password)) return { strength: 'fair', message: 'non-ASCII characters: some BMC web interfaces cannot type them' };
  return { strength: 'strong', message: 'strong' };
}
