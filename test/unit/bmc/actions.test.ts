/** `racker ipmi` action words, node resolution and the one-line summaries, against FakeBmc. */
import { expect } from 'chai';
import { parseAction, runAction, summarize } from '../../../agent/bmc/actions.js';
import { findNode } from '../../../agent/bmc/targets.js';
import type { Inventory, RackNode } from '../../../agent/inventory/inventory.js';
import type { Mac } from '../../../agent/lib/mac.js';
import { FakeBmc } from '../../lib/fake-bmc-client.js';

describe('racker ipmi actions', () => {
  it('parses actions, with bootdev persistent and UEFI unless told otherwise', () => {
    expect(parseAction([], {})).to.deep.equal({ kind: 'diag' });
    expect(parseAction(['power'], {})).to.deep.equal({ kind: 'power', op: 'status' });
    expect(parseAction(['bootdev', 'pxe'], {})).to.deep.equal({ kind: 'bootdev', device: 'pxe', persistent: true, efi: true });
    expect(parseAction(['bootdev', 'disk'], { once: true, legacy: true })).to.deep.equal({ kind: 'bootdev', device: 'disk', persistent: false, efi: false });
    expect(parseAction(['raw', '0x00', '0x08', '0x03', '0x1f'], {})).to.deep.equal({ kind: 'raw', netFn: 0, command: 8, data: [3, 0x1f] });
    expect(parseAction(['sel'], {})).to.deep.equal({ kind: 'sel', op: 'list' });
    expect(parseAction(['sel', 'clear'], {})).to.deep.equal({ kind: 'sel', op: 'clear' });
    expect(parseAction(['fru', 'print'], {})).to.deep.equal({ kind: 'fru' });
    expect(parseAction(['mc', 'reset', 'warm'], {})).to.deep.equal({ kind: 'mc', op: 'reset', reset: 'warm' });
    expect(parseAction(['lan', 'print'], {})).to.deep.equal({ kind: 'lan', channel: 1 });
    expect(parseAction(['lan', 'print', '8'], {})).to.deep.equal({ kind: 'lan', channel: 8 });
    expect(parseAction(['chassis', 'status'], {})).to.deep.equal({ kind: 'chassis' });
  });

  it('says which driver lacks sel, fru, mc or lan (a fake without them stands for one)', async () => {
    const bmc = new FakeBmc();
    await runAction(bmc, { kind: 'fru' }).then(() => expect.fail('fru ran'), (e: { code: string; message: string }) => {
      expect(e.code).to.equal('RACKER_E_BMC_UNSUPPORTED');
      expect(e.message).to.equal(`fru is not supported over the ${bmc.driver} driver`);
    });
  });

  it('refuses bad words as usage errors', () => {
    for (const words of [['power', 'explode'], ['bootdev'], ['bootdev', 'floppy'], ['raw', '0x00'], ['sensors', 'x'], ['frobnicate'], ['sel', 'erase'], ['mc'], ['mc', 'reset'], ['lan'], ['lan', 'print', '16'], ['chassis'], ['fru', 'write']]) {
      expect(() => parseAction(words, {}), words.join(' ')).to.throw().with.property('code', 'RACKER_E_USAGE');
    }
    expect(() => parseAction(['power', 'on'], { once: true })).to.throw(/bootdev only/);
  });

  it('runs actions on a BMC and summarises them in one line', async () => {
    const bmc = new FakeBmc();
    expect(summarize(await runAction(bmc, { kind: 'power', op: 'cycle' }))).to.equal('cycle done, power on');
    expect(summarize(await runAction(bmc, { kind: 'bootdev', device: 'pxe', persistent: true, efi: true }))).to.equal('boot pxe, persistent, UEFI; BMC reports pxe, persistent, UEFI');
    bmc.expectBoot('pxe', true, true);
    expect(summarize(await runAction(bmc, { kind: 'diag' }))).to.equal('power on, pxe, persistent, UEFI');
    // Power is reported from the chassis status, which says when it is still changing.
    bmc.expectCalls('powerCycle', 'chassisStatus', 'setBootDevice pxe persistent efi', 'ping', 'chassisStatus', 'bootFlags');
  });

  it('renders a transitional power state and the quirks a driver detected', () => {
    expect(summarize({ kind: 'power', power: 'on', transition: 'powering-on', done: 'on' })).to.equal('on done, power on (powering on)');
    const status = { power: 'off' as const, faults: [], lastPowerEvent: '', intrusion: false, identify: 'off' as const, restorePolicy: 'always-off' as const };
    expect(summarize({ kind: 'diag', reachable: true, status, boot: { valid: false, device: 'none', persistent: false, efi: false }, quirks: ['ETag required (428 without If-Match)', 'boot mode read-only'], errors: [] }))
      .to.equal('power off, no boot override (flags not valid); adapted to: ETag required (428 without If-Match); boot mode read-only');
  });

  it('fails bootdev on a BMC that ignores it', async () => {
    const bmc = new FakeBmc({ ignoreBootOverride: true });
    const e = await runAction(bmc, { kind: 'bootdev', device: 'pxe', persistent: true, efi: true }).then(() => undefined, (x: unknown) => x as Error);
    expect(e?.message).to.include('asked for boot device pxe, the BMC reports none');
  });
});

describe('node resolution', () => {
  const node = (row: number, p: string, b: string, s: string): RackNode => ({
    row, line: row + 1, primaryMac: p as Mac, bmcMac: b as Mac, secondaryMac: s as Mac, nodeType: 'worker', comments: '',
    hostname: `node-${row}`, address: `10.0.0.${row}`, bmcAddress: `10.0.0.${row + 100}`, isManagement: row === 1,
  });
  const inventory = { nodesFile: 'nodes.csv', nodes: [node(1, 'aa:00:00:00:00:01', 'aa:00:00:00:01:01', 'aa:00:00:00:02:01'), node(2, 'aa:00:00:00:00:02', 'aa:00:00:00:01:02', 'aa:00:00:00:02:02')] } as unknown as Inventory;

  it('finds a node by any MAC in any format, host name or row', () => {
    for (const name of ['aa:00:00:00:00:02', 'AA-00-00-00-01-02', 'aa0000000202', 'aa00.0000.0202', 'node-2', 'NODE-2', '2']) {
      expect(findNode(inventory, name).row, name).to.equal(2);
    }
  });

  it('says how to name a node when none matches', () => {
    expect(() => findNode(inventory, 'node-9')).to.throw(/no node "node-9" in nodes.csv/).with.property('code', 'RACKER_E_NOT_FOUND');
  });
});
