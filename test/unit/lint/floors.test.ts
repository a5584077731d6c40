/**
 * The floors rule (.dependency-cruiser.cjs, run by `npm run lint`) catches what it is for: an
 * upward import, a sideways one between neighbours on a floor, and an import circle, each with a
 * message that says where the code should go; a downward import passes. Checked on a small tree of
 * its own, so the real tree's cleanliness stays the lint's job.
 */
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IFlattenedRuleSet, type IViolation } from 'dependency-cruiser';
import { repoRoot } from '../../lib/paths.js';

const rules = createRequire(import.meta.url)(join(repoRoot, '.dependency-cruiser.cjs')) as IFlattenedRuleSet;

async function violations(files: Record<string, string>): Promise<IViolation[]> {
  const dir = mkdtempSync(join(tmpdir(), 'racker-floors-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const tops = [...new Set(Object.keys(files).map((p) => p.split('/')[0] as string))];
    const result = await cruise(tops, { validate: true, ruleSet: { forbidden: rules.forbidden }, tsPreCompilationDeps: true, baseDir: dir });
    if (typeof result.output === 'string') throw new Error('cruise gave text, not a result');
    return result.output.summary.violations;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const named = (vs: IViolation[]): string[] => vs.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

describe('floors lint rule', () => {
  it('refuses an upward import (also type-only) and says to move the piece down', async () => {
    const vs = await violations({
      'agent/state/records.ts': "import type { Phase } from '../../bootstrap/phases.js';\nexport type P = Phase;\n",
      'bootstrap/phases.ts': "export type Phase = 'dhcp';\n",
    });
    expect(named(vs)).to.deep.equal(['floor-state-looks-down: agent/state/records.ts -> bootstrap/phases.ts']);
    const rule = rules.forbidden?.find((r) => r.name === 'floor-state-looks-down');
    expect(rule?.comment).to.match(/must not import a higher floor\. Move what both need down/);
  });

  it('refuses the CLI kit from agent/cli/ for the factory, the installer and racker-sim', async () => {
    const vs = await violations({
      'agent/cli/args.ts': 'export const parse = 1;\n',
      'factory/command.ts': "import { parse } from '../agent/cli/args.js';\nexport const f = parse;\n",
      'installer/payload/main.ts': "import { parse } from '../../agent/cli/args.js';\nexport const i = parse;\n",
      'sim/cli.ts': "import { parse } from '../agent/cli/args.js';\nexport const s = parse;\n",
    });
    expect(named(vs)).to.have.members([
      'floor-factory-looks-down: factory/command.ts -> agent/cli/args.ts',
      'floor-services-looks-down: installer/payload/main.ts -> agent/cli/args.ts',
      'floor-programs-no-sideways: sim/cli.ts -> agent/cli/args.ts',
    ]);
  });

  it('refuses an import circle inside one folder', async () => {
    const vs = await violations({
      'bootstrap/ports.ts': "import type { JobState } from './job-state.js';\nexport type Sink = (s: JobState) => void;\n",
      'bootstrap/job-state.ts': "import type { Sink } from './ports.js';\nexport interface JobState { sink?: Sink }\n",
    });
    expect(vs.map((v) => v.rule.name)).to.include('no-circular');
  });

  it('lets every floor import the floors below it', async () => {
    const vs = await violations({
      'agent/lib/mac.ts': 'export type Mac = string;\n',
      'agent/config/paths.ts': "import type { Mac } from '../lib/mac.js';\nexport type M = Mac;\n",
      'agent/state/phases.ts': "import type { M } from '../config/paths.js';\nexport type P = M;\n",
      'agent/cli-kit/args.ts': "import type { M } from '../config/paths.js';\nexport type A = M;\n",
      'bootstrap/phases.ts': "import type { P } from '../agent/state/phases.js';\nexport type Q = P;\n",
      'factory/command.ts': "import type { A } from '../agent/cli-kit/args.js';\nimport type { Q } from '../bootstrap/phases.js';\nexport type F = A | Q;\n",
      'agent/cli/main.ts': "import type { F } from '../../factory/command.js';\nexport type C = F;\n",
    });
    expect(named(vs)).to.deep.equal([]);
  });
});
