/** The BMC credentials view: user, password twice (masked), a strength hint and the match check. */
import { oemFiles } from '../../agent/config/paths.js';
import { validateCredentials } from '../credentials-input.js';
import { passwordStrength } from '../password-strength.js';
import type { SessionState } from '../session-state.js';
import { fit, line, seg, type Segment } from './text.js';

const FIELD_WIDTH = 24;
const STRENGTH_STYLE: Record<string, string> = { empty: 'cyan-fg', weak: 'red-fg bold', fair: 'yellow-fg', strong: 'green-fg', 'too-long': 'red-fg bold' };

export function renderCredentials(s: SessionState, width: number, height: number): string[] {
  const files = oemFiles(s.oemDir);
  const problems = validateCredentials(s.creds);
  const problemOf = (f: string): string | undefined => problems.find((p) => p.field === f)?.message;
  const field = (i: 0 | 1 | 2, label: string, value: string, masked: boolean): string => {
    const active = s.credField === i;
    const shown = (masked ? '*'.repeat([...value].length) : value) + (active ? '_' : '');
    const problem = problemOf((['user', 'password', 'confirm'] as const)[i]);
    // Say nothing about a field the technician has not reached yet.
    const note = problem !== undefined && (value !== '' || i < s.credField) ? seg(`  ${problem}`, 'red-fg') : seg('');
    return line([seg(`   ${label.padEnd(17)}`, active ? 'bold' : undefined), seg(fit(shown, FIELD_WIDTH), active ? 'inverse' : 'underline'), note], width);
  };
  const strength = passwordStrength(s.creds.password);
  const match: Segment = s.creds.confirm === '' ? seg('') : s.creds.confirm === s.creds.password ? seg('✓ the passwords match', 'green-fg') : seg('✗ the two passwords differ', 'red-fg bold');
  const out = [
    line([], width),
    line([seg(' BMC credentials', 'bold'), seg(': one user and password, the same on every BMC of the rack')], width),
    line([seg(` saved to ${files.ipmiUser} and ${files.ipmiPassword}, mode 0600`)], width),
    line([], width),
    field(0, 'User name', s.creds.user, false),
    field(1, 'Password', s.creds.password, true),
    field(2, 'Password again', s.creds.confirm, true),
    line([], width),
    line([seg('   strength: '), seg(strength.message, STRENGTH_STYLE[strength.strength])], width),
    line([seg('   '), match], width),
    line([], width),
    line([seg(' The password never appears on screen, in logs or in command lines.', 'cyan-fg')], width),
  ];
  while (out.length < height) out.push(line([], width));
  return out.slice(0, height);
}
