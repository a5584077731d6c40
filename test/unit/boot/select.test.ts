import { expect } from 'chai';
import fc from 'fast-check';
import { GroupIndex, type Group } from '../../../agent/boot/select.js';

function group(id: string, selector: Record<string, string>): Group {
  return { key: id, id, name: id, profile: `p-${id}`, selector, metadata: undefined };
}

/** matchbox's SelectGroup, transcribed: sort.Reverse(ByReqs) then the first match. */
function matchboxSelect(groups: Group[], labels: Record<string, string>): string[] {
  const selString = (g: Group) => Object.entries(g.selector).map(([k, v]) => `${k}=${v}`).sort().join(',');
  const sorted = [...groups].sort((a, b) => {
    const na = Object.keys(a.selector).length;
    const nb = Object.keys(b.selector).length;
    if (na !== nb) return nb - na;
    return selString(b) < selString(a) ? -1 : selString(b) > selString(a) ? 1 : 0;
  });
  const first = sorted.find((g) => Object.entries(g.selector).every(([k, v]) => (labels[k] ?? '') === v));
  if (first === undefined) return [];
  // Groups tied with the winner are equally valid answers for matchbox (unstable sort).
  return sorted.filter((g) => selString(g) === selString(first) && Object.keys(g.selector).length === Object.keys(first.selector).length).map((g) => g.id);
}

const select = (groups: Group[], labels: Record<string, string>) => new GroupIndex(groups).select(labels)?.id;

describe('boot group selection', () => {
  const mac = '52:54:00:a1:9c:ae';
  const groups = [
    group('default', {}),
    group('install', { mac }),
    group('installed', { mac, os: 'installed' }),
    group('region', { region: 'us' }),
    group('zone', { zone: 'a' }),
    group('other-mac', { mac: '52:54:00:00:00:01' }),
  ];

  const table: [Record<string, string>, string | undefined][] = [
    [{}, 'default'],
    [{ mac }, 'install'],
    [{ mac, os: 'installed' }, 'installed'], // 2 selectors beat 1 (Typhoon's two-stage install)
    [{ mac, os: 'other' }, 'install'],
    [{ os: 'installed' }, 'default'],
    [{ region: 'us' }, 'region'],
    [{ region: 'us', zone: 'a' }, 'zone'], // tie on count: "zone=a" > "region=us"
    [{ region: 'us', zone: 'b' }, 'region'],
    [{ mac: '52:54:00:00:00:01', zone: 'a' }, 'zone'], // "zone=a" > "mac=…"
    [{ uuid: 'x', extra: 'ignored' }, 'default'],
  ];
  for (const [labels, want] of table) {
    it(`${JSON.stringify(labels)} → ${want}`, () => expect(select(groups, labels)).to.equal(want));
  }

  it('answers 404 (undefined) when nothing matches and there is no default', () => {
    expect(select(groups.filter((g) => g.id !== 'default'), { uuid: 'x' })).to.equal(undefined);
  });

  it('treats a missing label as "" (Go map lookup)', () => {
    const gs = [group('empty-domain', { domain: '' }), group('default', {})];
    expect(select(gs, {})).to.equal('empty-domain');
    expect(select(gs, { domain: 'example.com' })).to.equal('default');
  });

  it('matches selector keys case-sensitively', () => {
    const gs = [group('upper', { OS: 'installed' }), group('default', {})];
    expect(select(gs, { os: 'installed' })).to.equal('default');
    expect(select(gs, { OS: 'installed' })).to.equal('upper');
  });

  it('compares selector strings bytewise (UTF-8), as Go does', () => {
    // U+FF21 (EF BC A1 in UTF-8) sorts after U+10000 (F0 …) in UTF-16 but before it in UTF-8.
    const gs = [group('fullwidth', { k: '\uff21' }), group('astral', { k: '\u{10000}' })];
    expect(select(gs, { k: '\uff21' })).to.equal('fullwidth');
    expect(new GroupIndex(gs).list().map((g) => g.id)).to.deep.equal(['astral', 'fullwidth']);
  });

  it('orders identical selector sets by id and reports them', () => {
    const idx = new GroupIndex([group('b', {}), group('a', {}), group('c', { x: '1' })]);
    expect(idx.select({})?.id).to.equal('a');
    expect(idx.duplicates.map((set) => set.map((g) => g.id))).to.deep.equal([['a', 'b']]);
  });

  it('selects what matchbox selects, for random groups and labels', () => {
    const keys = fc.constantFrom('mac', 'os', 'zone', 'region', 'uuid');
    const values = fc.constantFrom('', 'a', 'b', 'installed', '52:54:00:00:00:01', '52:54:00:00:00:02');
    const selector = fc.dictionary(keys, values, { maxKeys: 4 });
    fc.assert(fc.property(fc.array(selector, { maxLength: 25 }), fc.dictionary(keys, values), (selectors, labels) => {
      const gs = selectors.map((s, i) => group(`g${String(i).padStart(2, '0')}`, s));
      const got = select(gs, labels);
      const allowed = matchboxSelect(gs, labels);
      if (allowed.length === 0) return got === undefined;
      return got !== undefined && allowed.includes(got);
    }), { numRuns: 500 });
  });
});
