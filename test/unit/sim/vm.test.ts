import { expect } from 'chai';
import { qemuArgs, renderArgsFile, type VmSpec } from '../../../sim/vm.js';
import { hardwareOptions, simHardware } from '../../../sim/hardware.js';
import { rackSpec } from '../../../sim/rack-spec.js';

const simNode = rackSpec('rack', 1).nodes[0] as NonNullable<ReturnType<typeof rackSpec>['nodes'][0]>;
const hardware = simHardware('rack', simNode, { dataDisk: false });

const base: VmSpec = {
  name: 'node-02', accel: 'tcg', memoryMiB: 256, boot: 'pxe', tap: 'tap2', primaryMac: '02:aa:bb:00:00:01',
  publicTap: 'pub2', secondaryMac: '02:aa:bb:02:00:01', dir: '/s', hardware, consoleLog: '/s/console.log',
  consolePort: 20022, ipmiVmPort: 20021, pidFile: '/s/qemu.pid', qmpSocket: '/s/qmp.sock',
};

/** The value following a flag, for every occurrence. */
const values = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));

describe('sim/vm qemuArgs', () => {
  it('PXE under SeaBIOS: the NIC keeps its iPXE ROM and is the boot device', () => {
    const args = qemuArgs(base);
    const nic = values(args, '-device').find((d) => d.includes('netdev=net0')) as string;
    expect(nic).to.equal('virtio-net-pci,netdev=net0,mac=02:aa:bb:00:00:01,addr=0x3,bootindex=1');
    expect(values(args, '-netdev')[0]).to.equal('tap,id=net0,ifname=tap2,script=no,downscript=no');
    expect(args).to.not.include('-kernel');
  });

  it('disk boot: no option ROM on any NIC (SeaBIOS would PXE anyway), the disk is the boot device', () => {
    const args = qemuArgs({ ...base, boot: 'disk' });
    for (const d of values(args, '-device').filter((x) => x.startsWith('virtio-net'))) expect(d).to.match(/,romfile=$/);
    expect(values(args, '-device')).to.include(`virtio-blk-pci,drive=disk0,addr=0x5,serial=${hardware.disks[0]?.serial ?? ''},bootindex=1`);
  });

  it('disk boot of the stand-in: direct kernel boot with its arguments', () => {
    const args = qemuArgs({ ...base, boot: 'disk', directKernel: { kernel: '/k', initrd: '/i', append: 'console=ttyS0 racker.standin=disk' } });
    expect(values(args, '-kernel')).to.deep.equal(['/k']);
    expect(values(args, '-initrd')).to.deep.equal(['/i']);
    expect(values(args, '-append')).to.deep.equal(['console=ttyS0 racker.standin=disk']);
    expect(values(args, '-device')).to.include(`virtio-blk-pci,drive=disk0,addr=0x5,serial=${hardware.disks[0]?.serial ?? ''}`);
  });

  it('UEFI: OVMF code read-only, its own vars copy, OVMF\'s PXE (no ROM) and PXE off through fw_cfg for disk boots', () => {
    const uefi = { code: '/ovmf/CODE.fd', vars: '/s/OVMF_VARS.fd' };
    const pxe = qemuArgs({ ...base, uefi });
    expect(values(pxe, '-drive')).to.include('if=pflash,format=raw,unit=0,readonly=on,file=/ovmf/CODE.fd');
    expect(values(pxe, '-drive')).to.include('if=pflash,format=raw,unit=1,file=/s/OVMF_VARS.fd');
    expect(values(pxe, '-device').find((d) => d.includes('netdev=net0'))).to.match(/,romfile=,bootindex=1$/);
    expect(pxe).to.not.include('-fw_cfg');
    const disk = qemuArgs({ ...base, uefi, boot: 'disk' });
    expect(values(disk, '-fw_cfg')).to.deep.equal(['name=opt/org.tianocore/IPv4PXESupport,string=n', 'name=opt/org.tianocore/IPv6PXESupport,string=n']);
  });

  it('in-band IPMI to the BMC, console to a log file and a telnet port for SOL, QMP, pidfile, no reboot', () => {
    const args = qemuArgs(base);
    expect(values(args, '-chardev')).to.deep.equal([
      'socket,id=ipmi0,host=127.0.0.1,port=20021,reconnect=2',
      'socket,id=con0,host=127.0.0.1,port=20022,server=on,wait=off,telnet=on,logfile=/s/console.log,logappend=on',
    ]);
    expect(values(args, '-device')).to.include.members(['ipmi-bmc-extern,chardev=ipmi0,id=bmc0', 'isa-ipmi-kcs,bmc=bmc0']);
    expect(values(args, '-serial')).to.deep.equal(['chardev:con0']);
    expect(values(args, '-qmp')).to.deep.equal(['unix:/s/qmp.sock,server=on,wait=off']);
    expect(values(args, '-pidfile')).to.deep.equal(['/s/qemu.pid']);
    expect(args).to.include.members(['-nodefaults', '-no-reboot']);
    expect(values(args, '-display')).to.deep.equal(['none']);
    expect(values(args, '-m')).to.deep.equal(['256']);
  });

  it('realistic hardware: SMBIOS system strings, a serial per disk, the system disk first, a USB stick, the data disk on request', () => {
    const args = qemuArgs({ ...base, hardware: simHardware('rack', simNode, { dataDisk: true }) });
    const hw = simHardware('rack', simNode, { dataDisk: true });
    expect(values(args, '-smbios')).to.deep.equal([`type=1,manufacturer=racker-sim,product=Simulated Server S1,serial=${hw.serial},uuid=${hw.uuid}`]);
    expect(hw.uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(values(args, '-drive')).to.deep.equal(['if=none,id=disk0,format=qcow2,file=/s/disk.qcow2', 'if=none,id=disk1,format=qcow2,file=/s/usb.qcow2', 'if=none,id=disk2,format=raw,file=/s/data.img']);
    const devices = values(args, '-device');
    expect(devices).to.include.members([`virtio-blk-pci,drive=disk0,addr=0x5,serial=${hw.serial.replace('SIM', 'OS')}`, 'qemu-xhci,id=xhci1,addr=0x11',
      `usb-storage,bus=xhci1.0,drive=disk1,serial=${hw.serial.replace('SIM', 'USB')}`, `virtio-blk-pci,drive=disk2,addr=0x8,serial=${hw.serial.replace('SIM', 'DATA')}`]);
    expect(hw.disks.map((d) => [d.sizeGiB, d.ext4Label])).to.deep.equal([[20, undefined], [2, undefined], [12, 'data']]);
    expect(simHardware('rack', simNode, { dataDisk: false })).to.deep.equal(hardware);
  });

  it('a replaced disk: the same kind with a new serial, per slot and per replacement; the others keep theirs', () => {
    const first = simHardware('rack', simNode, hardwareOptions({ dataDisks: ['node-02'] }, simNode));
    const once = simHardware('rack', simNode, hardwareOptions({ dataDisks: ['node-02'], replacedDisks: { 'node-02': { usb: 1 } } }, simNode));
    const twice = simHardware('rack', simNode, hardwareOptions({ dataDisks: ['node-02'], replacedDisks: { 'node-02': { usb: 2 }, 'node-03': { data: 1 } } }, simNode));
    const serials = (h: typeof first): string[] => h.disks.map((d) => `${d.slot} ${d.serial}`);
    const tag = first.serial.slice(3);
    expect(serials(first)).to.deep.equal([`system OS${tag}`, `usb USB${tag}`, `data DATA${tag}`]);
    expect(serials(once)).to.deep.equal([`system OS${tag}`, `usb USB${tag}R1`, `data DATA${tag}`]);
    expect(serials(twice)).to.deep.equal([`system OS${tag}`, `usb USB${tag}R2`, `data DATA${tag}`]);
    expect({ ...once, disks: [] }).to.deep.equal({ ...first, disks: [] });
  });

  it('TCG with -cpu max, KVM with -cpu host', () => {
    expect(values(qemuArgs(base), '-accel')).to.deep.equal(['tcg']);
    expect(values(qemuArgs(base), '-cpu')).to.deep.equal(['max']);
    expect(values(qemuArgs({ ...base, accel: 'kvm' }), '-cpu')).to.deep.equal(['host']);
  });

  it('refuses an argument the one-per-line file cannot carry', () => {
    expect(() => qemuArgs({ ...base, dir: '/s/a\nb' })).to.throw(/newline/);
    expect(() => qemuArgs({ ...base, hardware: { ...hardware, product: 'a,b' } })).to.throw(/comma/);
    expect(renderArgsFile(['-m', '256'])).to.equal('-m\n256\n');
  });
});

describe('sim/vm-setup vmSpec', () => {
  it('boots the stand-in\'s disk through its kernel, real Flatcar through the disk', async () => {
    const { vmSpec } = await import('../../../sim/vm-setup.js');
    const { rackSpec } = await import('../../../sim/rack-spec.js');
    const node = rackSpec('rack', 1).nodes[0] as NonNullable<ReturnType<typeof rackSpec>['nodes'][0]>;
    const standin = vmSpec(node, '/d', 'tcg', 'disk', { kind: 'standin', assetsDir: '/a', kernel: '/k', initrd: '/i' }, false, hardware);
    expect(standin.directKernel).to.deep.equal({ kernel: '/k', initrd: '/i', append: 'console=ttyS0,115200n8 racker.standin=disk' });
    expect(standin.memoryMiB).to.equal(512);
    const flatcar = vmSpec(node, '/d', 'tcg', 'disk', { kind: 'flatcar', assetsDir: '/f', kernel: '/f/k', initrd: '/f/i' }, true, hardware);
    expect(flatcar.directKernel).to.equal(undefined);
    expect(flatcar.uefi?.vars).to.equal('/d/OVMF_VARS.fd');
    expect(flatcar).to.include({ tap: 'tap2', publicTap: 'pub2', memoryMiB: 3072, dir: '/d' });
  });
});
