import { expect } from 'chai';
import { normalizeName, parseGroup, parseIgnitionEntry, parseProfile, ProblemError } from '../../../agent/boot/boot-data.js';
import type { Problem } from '../../../agent/lib/errors.js';

const problemOf = (fn: () => unknown): Problem => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProblemError) return e.problem;
    throw e;
  }
  throw new Error('expected a problem');
};

describe('boot data files', () => {
  it('normalises group mac selectors (any key case) and keeps other keys as written', () => {
    const g = parseGroup('node1', JSON.stringify({ id: 'node1', profile: 'p', selector: { MAC: '52-54-00-A1-9C-AE', os: 'installed' }, metadata: { a: 1 } }), 'f');
    expect({ ...g.selector }).to.deep.equal({ MAC: '52:54:00:a1:9c:ae', os: 'installed' });
    expect(g.metadata).to.deep.equal({ a: 1 });
  });

  it('reports the file and field of a broken group or profile', () => {
    expect(problemOf(() => parseGroup('x', '{"selector":{"mac":"nope"}}', 'groups/x.json'))).to.include({ file: 'groups/x.json', field: 'selector.mac' });
    expect(problemOf(() => parseGroup('x', '{"selector":{"os":1}}', 'g'))).to.include({ field: 'selector.os', message: 'must be a string' });
    expect(problemOf(() => parseGroup('x', '{"metadata":[1]}', 'g'))).to.include({ field: 'metadata' });
    expect(problemOf(() => parseGroup('x', '[', 'g')).message).to.match(/not JSON/);
    expect(problemOf(() => parseProfile('p', '{"name":"x"}', 'profiles/p.json'))).to.include({ field: 'id', message: 'is required' });
    expect(problemOf(() => parseProfile('p', '{"id":"p","boot":{"args":"a b"}}', 'f'))).to.include({ field: 'boot.args' });
  });

  it('reads profiles with matchbox field names', () => {
    const p = parseProfile('flatcar', JSON.stringify({ id: 'flatcar', ignition_id: 'a.ign', generic_id: 'g', boot: { kernel: '/k', initrd: ['/i'] } }), 'f');
    expect(p).to.deep.equal({ key: 'flatcar', id: 'flatcar', name: '', ignitionId: 'a.ign', genericId: 'g', boot: { kernel: '/k', initrd: ['/i'], args: [] } });
  });

  it('cleans file names like path.Clean("/"+name)', () => {
    expect(normalizeName('a.ign')).to.equal('a.ign');
    expect(normalizeName('../../etc/passwd')).to.equal('etc/passwd');
    expect(normalizeName('sub//x/../y.ign')).to.equal('sub/y.ign');
    expect(normalizeName('a\0b')).to.equal(undefined);
    expect(normalizeName('/')).to.equal(undefined);
  });

  it('classifies ignition files: raw JSON, static Butane translated at load, templates, broken with 500/501', () => {
    const problems: Problem[] = [];
    expect(parseIgnitionEntry('a.ign', '{"ignition":{"version":"3.3.0"}}', 'f', problems).kind).to.equal('json');
    expect(parseIgnitionEntry('b.yaml', 'variant: flatcar\nversion: 1.0.0\n', 'f', problems).kind).to.equal('json');
    expect(parseIgnitionEntry('c.yaml', 'variant: flatcar\nversion: 1.0.0\n# {{.mac}}\n', 'f', problems).kind).to.equal('butane');
    expect(parseIgnitionEntry('d.ign', '{"ignition":{"version":"2.2.0"}}', 'f', problems)).to.include({ kind: 'broken', status: 500 });
    expect(parseIgnitionEntry('e.yaml', 'variant: fcos\nversion: 1.5.0\n', 'f', problems)).to.include({ kind: 'broken', status: 501 });
    expect(parseIgnitionEntry('f.yaml', '{{if}}', 'f', problems)).to.include({ kind: 'broken', status: 500 });
    expect(problems).to.have.length(3);
  });
});
