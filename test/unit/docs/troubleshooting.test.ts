/**
 * docs/troubleshooting.md is the 2 a.m. guide: it must name every phase the code has, each with the
 * configuration key of its deadline, that deadline's default, and whether it escalates.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ESCALATIONS, deadlinesMs } from '../../../bootstrap/phases.js';
import { PHASES } from '../../../agent/state/phases.js';
import { parseConfig } from '../../../agent/config/parse.js';
import { repoRoot } from '../../lib/paths.js';

describe('docs/troubleshooting.md', () => {
  it('has a section for every phase with its deadline setting, default and escalations', async () => {
    const doc = await readFile(join(repoRoot, 'docs', 'troubleshooting.md'), 'utf8');
    const sections = new Map([...doc.matchAll(/^### `([a-z-]+)`\n([\s\S]*?)(?=^##)/gm)].map((m) => [m[1] as string, m[2] as string]));
    expect([...sections.keys()]).to.deep.equal([...PHASES]);
    const defaults = parseConfig('', undefined, {}).bootstrap.deadlines;
    // Which configuration key is each phase's deadline: the one whose value lands on that phase.
    const keys = Object.keys(defaults) as (keyof typeof defaults)[];
    const probe = deadlinesMs(Object.fromEntries(keys.map((k, i) => [k, i + 1])) as typeof defaults);
    for (const phase of PHASES) {
      const text = sections.get(phase) as string;
      const key = keys[probe[phase] / 1000 - 1] as keyof typeof defaults;
      expect(text, phase).to.include(`\`bootstrap.deadlines.${key}\` (${defaults[key]} s)`);
      expect(/no\s+escalation/.test(text), `${phase}: escalations ${ESCALATIONS[phase].join(', ') || 'none'}`).to.equal(ESCALATIONS[phase].length === 0);
    }
  });
});
