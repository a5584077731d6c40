import { expect } from 'chai';
import { initialState, reduce, afterSave, afterDiscovery, dropMac, isDirty } from '../../../factory/session.js';
import type { Key, SessionState, Effect } from '../../../factory/session-state.js';
import { emptyTable, tableFromCells, type Cells } from '../../../factory/table-model.js';
import { renderScreen, helpBar } from '../../../factory/tui/render.js';
import { stripTags } from '../../../factory/tui/text.js';
import type { ValidationContext } from '../../../factory/table-validate.js';
import type { Mac } from '../../../agent/lib/mac.js';

const CTX: ValidationContext = { interfaces: [{ name: 'eth1', mac: '00:11:22:33:44:30' as Mac, physical: true }], hostnamePattern: 'node-{row}', subnet: '172.24.213.0/24', discoveryPoolSize: 16 };
const MGMT: Cells = ['00:11:22:33:44:00', '00:11:22:33:44:01', '00:11:22:33:44:30', 'mgmt', ''];
const CREDS = { user: 'admin', password: 'Vq7-mZ2!kR9p', confirm: 'Vq7-mZ2!kR9p' };

const k = (full: string, ch?: string): Key => ({ full, ch });
/** Press keys; a string is typed character by character, like tmux send-keys -l. */
function press(s: SessionState, ...keys: (string | Key)[]): { state: SessionState; effects: Effect[] } {
  let effects: Effect[] = [];
  for (const key of keys) {
    const list = typeof key === 'string' ? [...key].map((c) => k(c, c)) : [key];
    for (const one of list) {
      const step = reduce(s, one);
      s = step.state;
      effects = [...effects, ...step.effects];
    }
  }
  return { state: s, effects };
}
const ENTER = k('enter', '\r');
const fresh = (): SessionState => initialState({ table: emptyTable(), creds: { user: '', password: '', confirm: '' }, ctx: CTX, oemDir: '/oem' });

describe('factory editor session', () => {
  it('starts on the credentials when they are missing, on the nodes when they are there', () => {
    expect(fresh().screen).to.equal('credentials');
    expect(initialState({ table: emptyTable(), creds: CREDS, ctx: CTX, oemDir: '/oem' }).screen).to.equal('nodes');
  });

  it('takes the credentials field by field and goes on to the nodes only when they are complete', () => {
    let { state } = press(fresh(), 'admin', ENTER, CREDS.password, ENTER, 'nope', ENTER);
    expect(state.screen).to.equal('credentials');
    expect(state.status?.text).to.match(/the two passwords differ/);
    ({ state } = press(state, k('C-u'), CREDS.password, ENTER));
    expect(state.screen).to.equal('nodes');
    expect(state.creds).to.deep.equal(CREDS);
  });

  it('fills a row the way a barcode scanner types (value + Enter), adding a row after the last cell', () => {
    let { state } = press(fresh(), k('f3'), '001122334400', ENTER, '00-11-22-33-44-01', ENTER, MGMT[2], ENTER, 'mgmt', ENTER, ENTER, ENTER); // Enter on the empty comment edits it, the next one moves on
    expect(state.table.rows.map((r) => r.cells)).to.deep.equal([MGMT, ['', '', '', '', '']]);
    expect(state.cursor).to.deep.equal({ row: 1, col: 0 });
    expect(state.validation.managementRow).to.equal(0);
    ({ state } = press(state, 'x', k('escape')));
    expect(state.edit).to.equal(undefined);
    expect(state.table.rows[1]?.cells[0]).to.equal('');
  });

  it('keeps a cell being typed when a screen or save key is pressed', () => {
    const { state } = press(fresh(), k('f3'), 'zz', k('C-s'));
    expect(state.table.rows[0]?.cells[0]).to.equal('zz');
    expect(state.screen).to.equal('summary');
    expect(state.status?.tone).to.equal('error');
  });

  it('refuses to save while there are problems, and saves when there are none', () => {
    const bad = press(fresh(), k('f3'), 'zz', ENTER, k('C-s'), ENTER);
    expect(bad.effects).to.deep.equal([]);
    expect(bad.state.status?.text).to.match(/^cannot save: \d+ problems? to fix first/);
    const good = initialState({ table: tableFromCells([MGMT]), creds: CREDS, ctx: CTX, oemDir: '/oem' });
    expect(press(good, k('C-s'), ENTER).effects).to.deep.equal([{ kind: 'save' }]);
  });

  it('asks before leaving with unsaved changes, and leaves at once without', () => {
    const clean = initialState({ table: tableFromCells([MGMT]), creds: CREDS, ctx: CTX, oemDir: '/oem' });
    expect(press(clean, k('escape')).effects).to.deep.equal([{ kind: 'quit' }]);
    const dirty = press(clean, k('C-n'), 'a');
    expect(isDirty(press(dirty.state, ENTER).state)).to.equal(true);
    const asked = press(dirty.state, ENTER, k('escape'));
    expect(asked.state.modal).to.deep.equal({ kind: 'quit' });
    expect(press(asked.state, 'n').effects).to.deep.equal([]);
    expect(press(asked.state, 'y').effects).to.deep.equal([{ kind: 'quit' }]);
  });

  it('marks what was saved as saved, not what was typed while saving', () => {
    const s0 = initialState({ table: tableFromCells([MGMT]), creds: CREDS, ctx: CTX, oemDir: '/oem' });
    const typing = press(s0, k('C-n'), 'ab').state;
    const s1 = afterSave(typing, { written: ['/oem/nodes.csv'], unchanged: [], backups: [], reload: { kind: 'reloaded' } }, s0);
    expect(isDirty(s1)).to.equal(true);
    expect(s1.status?.text).to.equal('saved 1 file; the agent reloaded the rack metadata');
  });

  it('drops a discovered MAC into the cursor cell, or the first empty MAC cell from a text column', () => {
    const s = initialState({ table: tableFromCells([[MGMT[0], '', '', 'x', '']]), creds: CREDS, ctx: CTX, oemDir: '/oem' });
    const onType = press(s, k('end')).state;
    expect(dropMac(onType, '0c:c4:7a:00:00:01').table.rows[0]?.cells[1]).to.equal('0c:c4:7a:00:00:01');
    const panel = press(s, k('right'), k('C-r'));
    expect(panel.effects).to.deep.equal([{ kind: 'discover' }]);
    const listed = afterDiscovery(panel.state, { available: true, source: 't', macs: [{ mac: '0c:c4:7a:00:00:02' as Mac, ip: undefined, hostname: undefined, vendor: 'Supermicro', kind: undefined, lastSeen: undefined }] });
    const dropped = press(listed, ENTER).state;
    expect(dropped.modal).to.equal(undefined);
    expect(dropped.table.rows[0]?.cells[1]).to.equal('0c:c4:7a:00:00:02');
  });

  it('moves and deletes rows with confirmation', () => {
    const W: Cells = ['00:11:22:33:44:10', '00:11:22:33:44:11', '00:11:22:33:44:40', '', ''];
    const s = initialState({ table: tableFromCells([W, MGMT]), creds: CREDS, ctx: CTX, oemDir: '/oem' });
    const moved = press(s, k('down'), k('S-up')).state;
    expect(moved.table.rows.map((r) => r.cells[0])).to.deep.equal([MGMT[0], W[0]]);
    expect(moved.validation.managementRow).to.equal(0);
    const kept = press(moved, k('C-d'), 'n').state;
    expect(kept.table.rows).to.have.length(2);
    expect(press(moved, k('C-d'), 'y').state.table.rows.map((r) => r.cells[0])).to.deep.equal([W[0]]);
  });

  describe('rendering', () => {
    const states: [string, SessionState][] = (() => {
      const base = initialState({ table: tableFromCells([MGMT, ['zz', '', '', '{brace}', 'a comment far longer than its column can show']]), creds: CREDS, ctx: CTX, oemDir: '/usr/share/oem' });
      return [
        ['nodes', base], ['editing', press(base, 'ab').state], ['credentials', press(base, k('f2')).state], ['summary', press(base, k('C-s')).state],
        ['quit', press(base, 'x', ENTER, k('escape')).state], ['delete', press(base, k('C-d')).state], ['import', press(base, k('C-o'), '/tmp/x.csv').state],
        ['discovery', afterDiscovery(press(base, k('C-r')).state, { available: false, message: 'agent not running: no discovery data' })],
        ['empty', fresh()],
      ];
    })();
    for (const [name, s] of states) {
      it(`draws the ${name} screen in exactly 80x24`, () => {
        const lines = renderScreen(s, 80, 24).map(stripTags);
        expect(lines).to.have.length(24);
        for (const l of lines) expect([...l]).to.have.length(80, l);
        expect(stripTags(helpBar(s).map((x) => x.text).join('')).length).to.be.at.most(80);
      });
    }
    it('escapes braces in user text and shows the discovery panel message', () => {
      const [, disc] = states.find(([n]) => n === 'discovery') as [string, SessionState];
      expect(renderScreen(disc, 80, 24).map(stripTags).join('\n')).to.include('agent not running: no discovery data');
      const [, nodes] = states[0] as [string, SessionState];
      expect(renderScreen(nodes, 80, 24).map(stripTags).join('\n')).to.include('{brace}');
    });
    it('asks for a bigger terminal below 80x24', () => {
      expect(stripTags(renderScreen(states[0]?.[1] as SessionState, 60, 20)[0] ?? '')).to.match(/needs a terminal of at least 80x24/);
    });
  });
});
