/**
 * The install-disk rule as the node runs it: racker-disk-select, rendered from a rule, run with
 * bash and each awk this machine has (mawk, busybox awk) against recorded lsblk output of real
 * servers (test/data/lsblk), with only lsblk faked.
 */
import { expect } from 'chai';
import { mkdir, readFile, writeFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { diskSelectScript, type DiskSelectInput } from '../../../bootstrap/ignition/disk-select.js';
import { installFakeLsblk, lsblkSample } from '../../lib/fake-lsblk.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import type { DiskRule } from '../../../agent/config/sections/install-disk.js';

interface Outcome { code: number; stdout: string; table: string; wipes: string[] }

/** awk implementations to run the program with: the machine's default and busybox's (the stand-in OS's). */
const AWKS: { name: string; link: (bin: string) => Promise<void> }[] = [
  { name: 'default awk', link: async () => {} },
  { name: 'busybox awk', link: async (bin) => {
    await writeFile(join(bin, 'awk'), '#!/bin/sh\nexec busybox awk "$@"\n', { mode: 0o755 });
  } },
];

for (const awk of AWKS) {
  describe(`install disk selection on the node (${awk.name})`, function () {
    this.timeout(30_000);
    let dir = '';
    let n = 0;
    before(async () => { dir = await makeTempDir('racker-disk-select-'); });
    after(async () => { await removeTempDir(dir); });

    async function select(sample: string, rule: DiskRule, o: Partial<DiskSelectInput> = {}, byPath: Record<string, string> = {}): Promise<Outcome> {
      const d = join(dir, String(n++));
      const bin = join(d, 'bin');
      await mkdir(bin, { recursive: true });
      await installFakeLsblk(bin, await lsblkSample(sample));
      await awk.link(bin);
      let script = diskSelectScript({ rule, minDiskGiB: 10, wipe: 'none', provisionedBefore: false, ...o });
      if (Object.keys(byPath).length > 0) {
        // /dev/disk/by-path of this "server": links in the sandbox, as udev makes them.
        const links = join(d, 'by-path');
        await mkdir(links);
        for (const [name, target] of Object.entries(byPath)) await symlink(target, join(links, name));
        script = script.replace(/^bypath=.*$/m, `bypath=${links}`);
      }
      await writeFile(join(d, 'select'), script, { mode: 0o700 });
      const r = await execa('bash', [join(d, 'select'), join(d, 'table'), join(d, 'wipes')], { reject: false, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
      const read = (f: string): Promise<string> => readFile(join(d, f), 'utf8').catch(() => '');
      return { code: r.exitCode ?? -1, stdout: r.stdout, table: await read('table'), wipes: (await read('wipes')).split('\n').filter((l) => l !== '') };
    }

    it('default rule: the smallest fixed disk of at least 10 GiB (SATA SSD, not the NVMe, not the USB stick, not zram)', async () => {
      const r = await select('nvme-sata-usb.json', { minSizeGiB: 10 });
      expect(r.code, r.stdout).to.equal(0);
      expect(r.stdout).to.equal('/dev/sda');
      expect(r.wipes).to.deep.equal([]);
      const rows = r.table.split('\n');
      expect(rows[0]).to.match(/^DISK +SIZE +TRAN +ROT RM MODEL +SERIAL +FILESYSTEMS +RULE$/);
      expect(rows.find((l) => l.startsWith('/dev/sda '))).to.match(/447\.1G +sata .*INTEL_SSDSC2KB48 +PHYF912300AB480B .*PICKED$/);
      expect(rows.find((l) => l.startsWith('/dev/sdb '))).to.match(/sdb1:vfat +USB$/);
      expect(rows.find((l) => l.startsWith('/dev/nvme0n1 '))).to.match(/matches$/);
      expect(rows.find((l) => l.startsWith('/dev/zram0 '))).to.match(/virtual$/);
    });

    it('rules by transport, model and serial (patterns), WWN, rotational, size range and by-path', async () => {
      expect((await select('nvme-sata-usb.json', { transport: ['nvme'] })).stdout).to.equal('/dev/nvme0n1');
      expect((await select('nvme-sata-usb.json', { model: 'SAMSUNG MZ1LB960*' })).stdout).to.equal('/dev/nvme0n1');
      expect((await select('nvme-sata-usb.json', { serial: 'PHYF9123??AB480BGN' })).stdout).to.equal('/dev/sda');
      expect((await select('nvme-sata-usb.json', { wwn: 'eui.344337304d0012340025384500000001' })).stdout).to.equal('/dev/nvme0n1');
      expect((await select('nvme-sata-usb.json', { minSizeGiB: 500, maxSizeGiB: 1000 })).stdout).to.equal('/dev/nvme0n1');
      expect((await select('old-os.json', { rotational: true })).stdout).to.equal('/dev/sdb');
      expect((await select('nvme-sata-usb.json', { byPath: 'pci-0000:01:00.0-nvme-1' }, {}, { 'pci-0000:01:00.0-nvme-1': '/dev/nvme0n1' })).stdout).to.equal('/dev/nvme0n1');
      // USB only when the rule asks for it (and this stick holds a file system: with a wipe policy).
      expect((await select('nvme-sata-usb.json', { transport: ['usb'] }, { wipe: 'metadata' })).stdout).to.equal('/dev/sdb');
    });

    it('a rule nothing matches names the rule and lists every disk with why it was passed over', async () => {
      const r = await select('nvme-sata-usb.json', { model: 'Dell*', transport: ['sas'] });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('no disk matches the rule: model Dell*, transport sas, at least 10 GiB, the smallest such disk');
      expect(r.table).to.match(/\/dev\/sda .* transport sata\n/).and.match(/\/dev\/nvme0n1 .* transport nvme\n/);
      const bypath = await select('nvme-sata-usb.json', { byPath: 'pci-0000:00:17.0-ata-3' });
      expect(bypath.stdout).to.match(/^no disk matches the rule: \/dev\/disk\/by-path\/pci-0000:00:17.0-ata-3/);
    });

    it('refuses a disk holding file systems (NTFS, ext4) on a node racker never installed, naming them and the rule', async () => {
      const r = await select('old-os.json', { minSizeGiB: 10 });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('/dev/sda (223.6G) holds file systems (sda1:vfat,sda2:ntfs,sda3:ext4) and racker never installed this node - rule: at least 10 GiB, not USB or removable, the smallest such disk');
      expect(r.table).to.match(/\/dev\/sda .* sda1:vfat,sda2:ntfs,sda\S* +PICKED/);
      expect(r.wipes).to.deep.equal([]);
    });

    it('takes it when the wipe policy allows, erasing partitions before the disk; all-disks-metadata also the other fixed disks', async () => {
      const m = await select('old-os.json', { minSizeGiB: 10 }, { wipe: 'metadata' });
      expect(m.code, m.stdout).to.equal(0);
      expect(m.stdout).to.equal('/dev/sda');
      expect(m.wipes).to.deep.equal(['/dev/sda1', '/dev/sda2', '/dev/sda3', '/dev/sda']);
      const all = await select('old-os.json', { minSizeGiB: 10 }, { wipe: 'all-disks-metadata' });
      expect(all.wipes).to.deep.equal(['/dev/sda1', '/dev/sda2', '/dev/sda3', '/dev/sda', '/dev/sdb']);
    });

    it('takes it without wiping when racker installed this node before (a reprovision)', async () => {
      const r = await select('old-os.json', { minSizeGiB: 10 }, { provisionedBefore: true });
      expect(r.stdout).to.equal('/dev/sda');
      expect(r.wipes).to.deep.equal([]);
    });

    it("racker-sim's server: a whole-disk ext4 counts too; the 20 GiB disk with a larger minimum", async () => {
      const def = await select('sim.json', { minSizeGiB: 10 });
      expect(def.code).to.equal(1);
      expect(def.stdout).to.match(/^\/dev\/vdb \(12\.0G\) holds file systems \(vdb:ext4\)/);
      expect(def.table).to.match(/\/dev\/sda .*usb .*USB\n/);
      expect((await select('sim.json', { minSizeGiB: 15 })).stdout).to.equal('/dev/vda');
      expect((await select('sim.json', { transport: ['virtio'], serial: 'racker-os-*' })).stdout).to.equal('/dev/vda');
    });
  });
}
