import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { addressPlanPath, loadPersistedPlan, savePersistedPlan } from '../../../agent/inventory/address-store.js';
import { ErrorCodes, ValidationError } from '../../../agent/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('inventory/address-store: the persisted address plan read back', () => {
  let dir = '';
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  it('reads back what it saved, and nothing when there is no file', async () => {
    expect(await loadPersistedPlan(dir)).to.equal(undefined);
    const plan = { version: 1 as const, subnet: '10.0.0.0/24', assignments: { '02:00:00:00:00:01': '10.0.0.2' } };
    await savePersistedPlan(dir, plan);
    expect(await loadPersistedPlan(dir)).to.deep.equal(plan);
  });

  it('reports a damaged file by file and field, with what to do, and leaves it as it is', async () => {
    const cases: [string, string | undefined][] = [
      ['{"version": 1, "subnet": ', undefined],
      [JSON.stringify({ version: 2, subnet: '10.0.0.0/24', assignments: {} }), 'version'],
      [JSON.stringify({ version: 1, subnet: '10.0.0.0/24', assignments: { '02:00:00:00:00:01': 7 } }), 'assignments.02:00:00:00:00:01'],
    ];
    for (const [text, field] of cases) {
      await writeFile(addressPlanPath(dir), text);
      const e = await loadPersistedPlan(dir).then(() => undefined, (err: unknown) => err);
      expect(e).to.be.instanceOf(ValidationError);
      const p = (e as ValidationError).problems[0];
      expect([(e as ValidationError).code, p?.file, p?.field]).to.deep.equal([ErrorCodes.addressPlan, addressPlanPath(dir), field]);
      expect(p?.hint).to.contain('delete it to let every node and BMC be renumbered');
      expect(await readFile(addressPlanPath(dir), 'utf8')).to.equal(text);
    }
  });
});
