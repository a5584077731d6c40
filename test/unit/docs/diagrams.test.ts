/**
 * The diagrams in docs/diagrams are text (.dot) rendered to SVG by Graphviz (scripts/diagrams.sh):
 * each checked-in SVG must be what dot makes of its .dot today, and the phase diagram must show every
 * phase a node can be in.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_PHASES } from '../../../agent/state/phases.js';
import { repoRoot } from '../../lib/paths.js';

const DIR = join(repoRoot, 'docs', 'diagrams');

describe('docs/diagrams', () => {
  it('has every SVG as Graphviz renders its .dot (run bash scripts/diagrams.sh after a change)', async () => {
    const dots = (await readdir(DIR)).filter((f) => f.endsWith('.dot'));
    expect(dots).to.include.members(['network.dot', 'phases.dot']);
    for (const dot of dots) {
      const rendered = execFileSync('dot', ['-Tsvg', join(DIR, dot)], { encoding: 'utf8' });
      expect(await readFile(join(DIR, dot.replace(/\.dot$/, '.svg')), 'utf8'), dot).to.equal(rendered);
    }
  });

  it('shows every phase of a node', async () => {
    const dot = await readFile(join(DIR, 'phases.dot'), 'utf8');
    expect(NODE_PHASES.filter((p) => p !== 'management' && !dot.includes(`"${p}"`))).to.deep.equal([]);
  });
});
