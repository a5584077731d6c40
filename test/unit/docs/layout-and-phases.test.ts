/**
 * The docs say what the code does: docs/api.md lists the phase names the agent emits, and every
 * state or configuration path the operator docs name is one the layout module (agent/config/paths.ts)
 * knows. And the layout has one home: no other source file spells its file names.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { NODE_PHASES } from '../../../agent/state/phases.js';
import { etcFiles, layoutEntries, stateFiles } from '../../../agent/config/paths.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('docs against the code', () => {
  it('docs/api.md names exactly the phases the agent emits, in order', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'api.md'), 'utf8');
    const m = /\| `phase` \|.*names, in order: `([^`]+)`/.exec(doc);
    expect(m, 'the phase row of docs/api.md').to.not.equal(null);
    expect(m?.[1]?.split(' ')).to.deep.equal([...NODE_PHASES]);
  });

  it('every /var/lib/racker and /etc/racker path in docs/factory-procedure.md is in the layout', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'factory-procedure.md'), 'utf8');
    const known = new Set<string>();
    const entries = layoutEntries({ stateDir: '/var/lib/racker', etcDir: '/etc/racker' }, {});
    for (const e of entries) known.add(e.path);
    for (const p of Object.values(stateFiles('/var/lib/racker'))) if (typeof p === 'string') known.add(p);
    for (const p of Object.values(etcFiles('/etc/racker'))) if (typeof p === 'string') known.add(p);
    const named = [...doc.matchAll(/`(\/(?:var\/lib|etc)\/racker\/[^`\s]*)`/g)].map((x) => (x[1] as string).replace(/\/$/, ''));
    expect(named.length).to.be.greaterThan(5);
    const unknown = named.filter((p) => !known.has(p) && !p.startsWith('/var/lib/racker/dhcp/') && !p.startsWith('/etc/racker/ssh/'));
    expect(unknown, 'paths the docs name that the layout does not know').to.deep.equal([]);
    // The names in the rack-state row, relative to their folder.
    for (const name of ['state.json', 'phone-home-tokens.json', 'dhcp/', 'address-plan.json', 'jobs/', 'bootstrap.yaml', 'pki/']) expect(doc).to.contain(`\`${name}\``);
  });

  it('no source file outside agent/config/paths.ts spells a state or configuration file name', () => {
    const names = ['dnsmasq.leases', 'phone-home-tokens.json', 'address-plan.json', '\'bootstrap.yaml\'', 'events.ndjson', '\'ssh\'', '\'racker-version\')', '\'matchbox\'', '\'downloads\'', '\'pki\'', '`kubeconfig-'];
    const offenders: string[] = [];
    for (const top of ['agent', 'bootstrap', 'factory', 'installer', 'sim']) {
      for (const file of sources(join(repoRoot, top))) {
        if (file.endsWith(join('agent', 'config', 'paths.ts'))) continue;
        const code = readFileSync(file, 'utf8').split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l));
        for (const n of names) if (code.some((l) => l.includes(n))) offenders.push(`${relative(repoRoot, file)}: ${n}`);
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});
