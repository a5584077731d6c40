import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { bmcFactsChanges, type BmcFacts } from '../../../agent/inventory/bmc-facts.js';
import { realSerial, serialMismatch } from '../../../agent/inventory/serial-match.js';
import type { NodeHardware } from '../../../agent/inventory/hardware.js';
import { bmcFactsOf } from '../../../agent/bmc/server-facts.js';
import { readStateFile, stateFilePath } from '../../../agent/state/state-file.js';
import { ValidationError } from '../../../agent/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const hw = (serial: string | undefined): NodeHardware => ({
  at: '2030-01-01T00:00:00.000Z', system: serial === undefined ? {} : { serial }, cpu: { count: 1, sockets: 1 }, memoryBytes: 1024 ** 3, nics: [], disks: [],
});
const bmc = (f: Partial<BmcFacts>): BmcFacts => ({ at: '2030-01-01T00:00:00.000Z', driver: 'ipmi', ...f });

describe('BMC facts and the serial comparison', () => {
  it('placeholder serials are no serials', () => {
    for (const p of ['', '  ', 'To Be Filled By O.E.M.', 'Default string', '0', '00000000', 'System Serial Number', 'Not Specified', 'N/A', '0123456789', 'XXXXXXXX', 'None', 'Chassis Serial Number', 'FFFFFFFF']) {
      expect(realSerial(p), JSON.stringify(p)).to.equal(undefined);
    }
    for (const s of ['7XK2L53', 'S123456X9', 'SIM0002', ' PSN-0042 ']) expect(realSerial(s), s).to.equal(s.trim());
  });

  it('a mismatch needs a real serial on both sides that none of the BMC\'s serials matches', () => {
    expect(serialMismatch(bmc({ serial: 'PSN-0042' }), hw('PSN-0042'))).to.equal(undefined);
    expect(serialMismatch(bmc({ serial: 'psn0042' }), hw('PSN-0042')), 'case and punctuation aside').to.equal(undefined);
    expect(serialMismatch(bmc({ serial: 'PSN-0042' }), hw(undefined))).to.equal(undefined);
    expect(serialMismatch(bmc({ serial: 'PSN-0042' }), hw('To Be Filled By O.E.M.'))).to.equal(undefined);
    expect(serialMismatch(bmc({ serial: 'Default string' }), hw('7XK2L53'))).to.equal(undefined);
    expect(serialMismatch(bmc({}), hw('7XK2L53'))).to.equal(undefined);
    expect(serialMismatch(undefined, hw('7XK2L53'))).to.equal(undefined);
    expect(serialMismatch(bmc({ serial: 'PSN-0042' }), undefined)).to.equal(undefined);
    // Vendors put the serial SMBIOS shows in the chassis or board area too.
    expect(serialMismatch(bmc({ serial: 'PSN-0042', chassisSerial: '7XK2L53' }), hw('7XK2L53'))).to.equal(undefined);
    expect(serialMismatch(bmc({ serial: '0123456789', boardSerial: '7XK2L53', chassisSerial: 'CH-1' }), hw('7XK2L53'))).to.equal(undefined);
    const m = serialMismatch(bmc({ serial: 'PSN-0042', boardSerial: 'BSN1' }), hw('7XK2L53'));
    expect(m?.bmc).to.equal('PSN-0042');
    expect(m?.smbios).to.equal('7XK2L53');
    expect(m?.message).to.equal('the BMC reports serial PSN-0042 but the server that booted as this node reports 7XK2L53 (SMBIOS): the wrong server is cabled to this BMC, or the row\'s MACs belong to another server');
    expect(serialMismatch(bmc({ chassisSerial: 'CH-9' }), hw('7XK2L53'))?.bmc, 'the chassis serial when the system has none').to.equal('CH-9');
  });

  it('FRU readings become the stored facts: product over board, printable and bounded, empty fields absent', () => {
    expect(bmcFactsOf({ boardManufacturer: 'Racker Boards', boardProduct: 'RB-1', boardSerial: 'BSN12345', productName: 'Rack Server 1U', productSerial: 'PSN-0042\u0007', productVersion: 'v2', productAssetTag: '', notReported: ['productSku'] }, 'ipmi', 'T'))
      .to.deep.equal({ at: 'T', driver: 'ipmi', manufacturer: 'Racker Boards', model: 'Rack Server 1U', serial: 'PSN-0042', boardManufacturer: 'Racker Boards', boardProduct: 'RB-1', boardSerial: 'BSN12345' });
    expect(bmcFactsOf({ productSerial: 'x'.repeat(500), memoryGiB: 384, processorCount: 2 }, 'redfish', 'T')).to.deep.include({ memoryGiB: 384, processorCount: 2 });
    expect(bmcFactsOf({ productSerial: 'x'.repeat(500) }, 'redfish', 'T').serial).to.have.length(128);
  });

  it('a change of model, serial or BIOS version between two readings is named', () => {
    expect(bmcFactsChanges(bmc({ serial: 'A', biosVersion: '1.0' }), bmc({ at: 'later', serial: 'A', biosVersion: '1.0', memoryGiB: 64 }))).to.deep.equal([]);
    expect(bmcFactsChanges(bmc({ serial: 'A', biosVersion: '1.0' }), bmc({ serial: 'B', biosVersion: '1.1' }))).to.deep.equal(['BMC serial A → B', 'BMC BIOS version 1.0 → 1.1']);
  });

  it('the state file\'s BMC facts are checked when read back: a bad field is named, nothing is guessed', async () => {
    const dir = await makeTempDir('racker-bmc-facts-');
    try {
      const node = {
        mac: '02:00:00:00:02:00', hostname: 'node-02', row: 2, nodeType: 'sim', isManagement: false, inInventory: true, secondaryMac: '02:00:00:00:02:02',
        bmc: { mac: '02:00:00:00:02:01', driver: 'ipmi', reachable: null, failures: 0 }, power: { state: 'unknown' },
        phase: { name: 'new', since: '2030-01-01T00:00:00.000Z', history: [] },
        bmcFacts: { at: '2030-01-01T00:00:00.000Z', driver: 'ipmi', serial: 'PSN-0042', memoryGiB: 'lots' },
      };
      await mkdir(dir, { recursive: true });
      const write = () => writeFile(stateFilePath(dir), JSON.stringify({ version: 1, savedAt: '2030-01-01T00:00:00.000Z', generation: 1, nodes: { [node.mac]: node }, jobs: {} }));
      await write();
      const err = await readStateFile(dir).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ValidationError);
      expect((err as ValidationError).problems.map((i) => i.field)).to.deep.equal([`nodes.${node.mac}.bmcFacts.memoryGiB`]);
      node.bmcFacts.memoryGiB = 64 as unknown as string;
      await write();
      expect((await readStateFile(dir))?.nodes[node.mac]?.bmcFacts?.serial).to.equal('PSN-0042');
    } finally {
      await removeTempDir(dir);
    }
  });
});
