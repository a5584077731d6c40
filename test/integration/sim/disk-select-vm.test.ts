/**
 * SLOW (QEMU under TCG, about a minute; builds the stand-in OS first if needed): racker's install
 * disk selection on a simulated server's real disks, as racker-sim gives them (sim/hardware.ts:
 * SMBIOS strings, a 20 GiB system disk, a 2 GiB USB stick, a 12 GiB disk holding ext4), in the
 * stand-in OS under systemd, with its udev, lsblk, awk (mawk) and wipefs: what lsblk shows (serials,
 * file systems) comes from real udev, as on Flatcar. No network: a unit added to the stand-in's
 * boot runs racker-disk-select as racker renders it and powers off.
 *  - the default rule refuses the 12 GiB disk (it holds ext4), with the disk table;
 *  - a rule of at least 15 GiB picks the system disk over it and over the USB stick;
 *  - with the wipe policy `metadata` it picks the data disk and wipefs erases it: checked from the
 *    host on the disk image (blkid finds no signature any more).
 */
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdir, writeFile, chmod, readFile, symlink } from 'node:fs/promises';
import { MEMORY_MIB } from '../../../sim/vm-setup.js';
import { join } from 'node:path';
import { diskSelectScript } from '../../../bootstrap/ignition/disk-select.js';
import { simHardware } from '../../../sim/hardware.js';
import { rackSpec } from '../../../sim/rack-spec.js';
import { qemuArgs } from '../../../sim/vm.js';
import { ensureStandinOs, cacheDir } from '../../../sim/standin.js';
import { exec } from '../../../agent/lib/exec.js';
import { simSkipReason } from '../../lib/run-sim.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

/** Run by a unit of the stand-in's normal boot, once udev has seen the disks. */
const SCRIPT = `#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
exec >/dev/ttyS0 2>&1
n=0
while { [ ! -b /dev/sda ] || [ ! -b /dev/vdb ]; } && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
udevadm settle
echo "== DMI $(cat /sys/class/dmi/id/product_serial)"
for s in default larger wipe; do
  out=$(bash /t/select-$s /run/table /run/wipes); rc=$?
  echo "== $s rc=$rc $out"
  sed 's/^/| /' /run/table
  while read -r d; do wipefs --all --force "$d" >/dev/null && echo "== wiped $d"; done </run/wipes
done
sync
echo "== done"
systemctl --force --force poweroff
`;

const UNIT = `[Unit]
Description=racker test: install disk selection on this server's disks
After=systemd-udev-trigger.service systemd-modules-load.service
[Service]
Type=oneshot
ExecStart=/t/run
`;

describe('install disk selection on a simulated server\'s disks, in the stand-in OS [SLOW: QEMU/TCG, ~2 min]', function () {
  this.timeout(900_000);
  let dir = '';

  before(async function () {
    if (await simSkipReason(['qemu-system-x86_64', 'mkfs.ext4', 'apt-get']) !== undefined) this.skip();
    dir = await makeTempDir('racker-disk-vm-');
  });
  after(async () => { await removeTempDir(dir); });

  it('refuses the disk holding ext4, picks the system disk by size, and wipes the data disk with the metadata policy', async () => {
    const os = await ensureStandinOs(exec, cacheDir(process.env), () => undefined);
    const node = rackSpec('rack', 1).nodes[0] as NonNullable<ReturnType<typeof rackSpec>['nodes'][0]>;
    const hw = simHardware('rack', node, { dataDisk: true });
    for (const d of hw.disks) {
      await execa('qemu-img', ['create', '-q', '-f', d.format, join(dir, d.file), `${d.sizeGiB}G`]);
      if (d.ext4Label !== undefined) await execa('mkfs.ext4', ['-q', '-F', '-L', d.ext4Label, join(dir, d.file)]);
    }
    // The test unit, its script and the three selection scripts, appended to the stand-in's initramfs.
    const extra = join(dir, 'extra');
    const wants = join(extra, 'etc', 'systemd', 'system', 'multi-user.target.wants');
    await mkdir(join(extra, 't'), { recursive: true });
    await mkdir(wants, { recursive: true });
    await writeFile(join(extra, 't', 'run'), SCRIPT);
    await chmod(join(extra, 't', 'run'), 0o755);
    await writeFile(join(extra, 'etc', 'systemd', 'system', 'racker-disk-test.service'), UNIT);
    await symlink('../racker-disk-test.service', join(wants, 'racker-disk-test.service'));
    // No login prompt on the serial console: its getty would hang up the script's hold on it.
    await symlink('/dev/null', join(extra, 'etc', 'systemd', 'system', 'serial-getty@ttyS0.service'));
    const base = { minDiskGiB: 10, provisionedBefore: false } as const;
    await writeFile(join(extra, 't', 'select-default'), diskSelectScript({ ...base, rule: { minSizeGiB: 10 }, wipe: 'none' }));
    await writeFile(join(extra, 't', 'select-larger'), diskSelectScript({ ...base, rule: { minSizeGiB: 15 }, wipe: 'none' }));
    await writeFile(join(extra, 't', 'select-wipe'), diskSelectScript({ ...base, rule: { minSizeGiB: 10 }, wipe: 'metadata' }));
    const cpio = await execa('sh', ['-c', 'cd "$1" && find . | busybox cpio -o -H newc 2>/dev/null | gzip', 'sh', extra], { encoding: 'buffer' });
    const initrd = join(dir, 'initrd.gz');
    await writeFile(initrd, Buffer.concat([await readFile(os.initrd), Buffer.from(cpio.stdout)]));

    // The server's own QEMU arguments (SMBIOS, disks), booted straight into the test script.
    const args = qemuArgs({
      name: node.name, accel: 'tcg', memoryMiB: MEMORY_MIB.standin, boot: 'disk', tap: 'unused', primaryMac: node.primaryMac, dir, hardware: hw,
      consoleLog: join(dir, 'console.log'), consolePort: 0, ipmiVmPort: 0, pidFile: join(dir, 'qemu.pid'), qmpSocket: join(dir, 'qmp.sock'),
      directKernel: { kernel: os.kernel, initrd, append: 'console=ttyS0,115200n8 panic=-1' },
    });
    // Keep the disks, SMBIOS and kernel; drop the NIC, the BMC link and the console socket (nothing listens here).
    const keep: string[] = ['-nodefaults', '-display', 'none', '-no-reboot', '-m', String(MEMORY_MIB.standin), '-accel', 'tcg', '-cpu', 'max', '-serial', 'stdio'];
    for (let i = 0; i < args.length; i++) {
      const [flag, value] = [args[i] as string, args[i + 1] as string];
      if (['-smbios', '-kernel', '-initrd', '-append'].includes(flag) || (flag === '-drive' && value.startsWith('if=none'))
        || (flag === '-device' && /^(virtio-blk-pci|qemu-xhci|usb-storage),/.test(value))) keep.push(flag, value);
    }
    const r = await execa('qemu-system-x86_64', keep, { reject: false, timeout: 600_000, input: '' });
    const out = r.stdout.replace(/\r/g, '');
    expect(out, out.slice(-3000)).to.contain('== done');
    expect(out).to.contain(`== DMI ${hw.serial}`);
    const verdict = (s: string): string => new RegExp(`^== ${s} rc=(\\d) (.*)$`, 'm').exec(out)?.slice(1).join(' ') ?? '';
    expect(verdict('default')).to.equal('1 /dev/vdb (12.0G) holds file systems (vdb:ext4) and racker never installed this node - rule: at least 10 GiB, not USB or removable, the smallest such disk');
    expect(out).to.match(new RegExp(`^\\| /dev/sda +2\\.0G +usb .*${hw.disks[1]?.serial ?? '?'} .*USB$`, 'm'));
    expect(out).to.match(new RegExp(`^\\| /dev/vdb +12\\.0G +virtio .*${hw.disks[2]?.serial ?? '?'} +vdb:ext4 +PICKED$`, 'm'));
    expect(verdict('larger')).to.equal('0 /dev/vda');
    expect(verdict('wipe')).to.equal('0 /dev/vdb');
    expect(out).to.contain('== wiped /dev/vdb');
    // From the host: the data disk's image has no signature left.
    const probe = await execa('blkid', ['-p', join(dir, 'data.img')], { reject: false });
    expect(probe.exitCode, probe.stdout).to.equal(2);
  });
});
