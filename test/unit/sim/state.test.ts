import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { readState, statePath, writeState, type SimState } from '../../../sim/state.js';
import { ErrorCodes, ValidationError } from '../../../agent/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('sim/state: a rack\'s state.json read back', () => {
  let dir = '';
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  const state = (): SimState => ({
    version: 1, name: 'r1', dir, createdAt: '2026-12-06T01:00:00.000Z', phase: 'ready',
    options: { nodes: 2, uefi: true, vm: false, pinBmcAddresses: false, flatcarDir: undefined, agent: 'manual' },
    accel: undefined, netns: ['racker-sim-r1'], configPath: `${dir}/racker.yaml`, os: undefined,
  });

  it('reads back what create wrote', async () => {
    await writeState(state());
    expect(await readState(dir)).to.deep.equal(JSON.parse(JSON.stringify(state())));
    expect(await readState(`${dir}/none`)).to.equal(undefined);
    // The servers' disks: which have a data disk, and which disks a technician replaced (racker-sim disk).
    const disks: SimState = { ...state(), options: { ...state().options, dataDisks: ['node-02'], replacedDisks: { 'node-02': { usb: 2, data: 1 } } } };
    await writeState(disks);
    expect((await readState(dir))?.options).to.deep.include({ dataDisks: ['node-02'], replacedDisks: { 'node-02': { usb: 2, data: 1 } } });
  });

  it('reports a damaged file by file and field (destroy still works by name), and leaves it as it is', async () => {
    for (const [text, field] of [['{"version":1,', undefined], [JSON.stringify({ ...state(), phase: 'half' }), 'phase'], [JSON.stringify({ ...state(), options: { ...state().options, nodes: '2' } }), 'options.nodes']] as const) {
      await writeFile(statePath(dir), text);
      const e = await readState(dir).then(() => undefined, (err: unknown) => err);
      expect(e).to.be.instanceOf(ValidationError);
      const p = (e as ValidationError).problems[0];
      expect([(e as ValidationError).code, p?.file, p?.field, p?.hint]).to.deep.equal([ErrorCodes.sim, statePath(dir), field, 'racker-sim destroy still removes the rack by its name']);
      expect(await readFile(statePath(dir), 'utf8')).to.equal(text);
    }
  });
});
