import { expect } from 'chai';
import { hardwareChanges, hardwareReportSchema, toNodeHardware, type NodeHardware } from '../../../agent/inventory/hardware.js';

const base: NodeHardware = {
  at: '2030-01-01T00:00:00.000Z',
  system: { vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: '7XK2L53' },
  cpu: { model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', count: 64, sockets: 2 },
  memoryBytes: 274_877_906_944,
  nics: [{ name: 'eno1', mac: 'b0:7b:25:00:00:01', driver: 'bnxt_en', speedMbps: 25000 }],
  disks: [{ path: '/dev/sda', sizeBytes: 480103981056, transport: 'sata', rotational: false, removable: false, serial: 'A1', filesystems: [] }],
};

describe('hardware inventory', () => {
  it('a change is hardware swapped, not file systems written or a link speed', () => {
    expect(hardwareChanges(base, { ...base, at: 'later', nics: [{ ...base.nics[0]!, speedMbps: 10000 }], disks: [{ ...base.disks[0]!, filesystems: ['sda9 ext4'] }] })).to.deep.equal([]);
    expect(hardwareChanges(base, { ...base, memoryBytes: base.memoryBytes - 1024 ** 2 }), 'firmware keeping a MiB').to.deep.equal([]);
    expect(hardwareChanges(base, {
      ...base, system: { ...base.system, serial: '9ZZ1111' }, memoryBytes: base.memoryBytes / 2,
      nics: [{ name: 'eno1', mac: 'b0:7b:25:00:00:09', speedMbps: null }],
      disks: [{ ...base.disks[0]!, path: '/dev/sdb' }, { path: '/dev/nvme0n1', sizeBytes: 960197124096, rotational: false, removable: false, serial: 'N1', filesystems: [] }],
    })).to.deep.equal([
      'system serial 7XK2L53 → 9ZZ1111', 'memory 256.0 GiB → 128.0 GiB', 'NIC b0:7b:25:00:00:01 gone', 'NIC b0:7b:25:00:00:09 new',
      'disk /dev/nvme0n1 (894.3 GiB, serial N1) new',
    ]);
  });

  it('keeps what the hardware says to printable text, bounded, and old lsblk spellings', () => {
    const r = hardwareReportSchema.parse({
      system: { vendor: 'Evil\u001b[2J Corp\n', product: '', serial: null },
      cpu: { count: 2, sockets: 1 }, memoryBytes: 1024, nics: [],
      disks: { blockdevices: [{ name: 'sda', type: 'disk', size: '1000000000', rm: '0', ro: '0', rota: '1', tran: 'sata', children: [{ name: 'sda1', type: 'part', size: 5, fstype: 'xfs' }] }, { name: 'sr0', type: 'rom', size: 1 }] },
    });
    expect(r.system).to.deep.include({ vendor: 'Evil[2J Corp' });
    expect(r.system.product).to.equal(undefined);
    const hw = toNodeHardware(r, 'now');
    expect(hw.disks).to.deep.equal([{ path: '/dev/sda', sizeBytes: 1e9, transport: 'sata', rotational: true, removable: false, filesystems: ['sda1 xfs'] }]);
    expect(hardwareReportSchema.safeParse({ system: { vendor: 'x'.repeat(129) }, cpu: { count: 1, sockets: 1 }, memoryBytes: 1, nics: [], disks: { blockdevices: [] } }).success).to.equal(false);
  });
});
