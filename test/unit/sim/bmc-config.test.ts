import { expect } from 'chai';
import { renderEmu, renderLanConfTemplate, renderNodeEnv } from '../../../sim/bmc-config.js';
import { udhcpcArgs } from '../../../sim/bmc.js';
import { rackSpec } from '../../../sim/rack-spec.js';
import { simFru, simHardware } from '../../../sim/hardware.js';
import { decodeFru } from '../../../agent/bmc/ipmi/fru.js';

describe('sim/bmc-config', () => {
  const input = { name: 'node-02', user: 'admin', password: 'pw-1', chassisControl: 'sh /sim/chassis-control.sh /d' };

  it('renders one LAN channel on the placeholder address, the chassis program and an admin user', () => {
    const text = renderLanConfTemplate(input);
    expect(text.match(/^\s+addr .*/gm)).to.deep.equal(['    addr @ADDR@ 623']);
    expect(text).to.include('  chassis_control "sh /sim/chassis-control.sh /d"\n');
    expect(text).to.include('  user 2 true "admin" "pw-1" admin 10 md5 straight\n');
    expect(text).to.not.include('serial 15');
  });

  it('with a VM: in-band channel and SOL on the node\'s loopback ports', () => {
    const text = renderLanConfTemplate({ ...input, vm: { ipmiVmPort: 20021, consolePort: 20022 } });
    expect(text).to.include('  serial 15 127.0.0.1 20021 codec VM\n');
    expect(text).to.include('  sol "telnet:127.0.0.1:20022" 115200\n');
  });

  it('refuses values that would break ipmi_sim\'s quoting', () => {
    expect(() => renderLanConfTemplate({ ...input, password: 'a"b' })).to.throw(/password/);
    expect(() => renderLanConfTemplate({ ...input, user: 'a\nb' })).to.throw(/user/);
  });

  it('gives every BMC its own GUID', () => {
    const guid = (name: string): string => /guid (\w+)/.exec(renderLanConfTemplate({ ...input, name }))?.[1] ?? '';
    expect(guid('node-02')).to.have.length(32);
    expect(guid('node-02')).to.not.equal(guid('node-03'));
  });

  it('renders an emulator file that enables the BMC', () => {
    expect(renderEmu().trim().split('\n')).to.deep.equal(['mc_setbmc 0x20', 'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr', 'sel_enable 0x20 1000 0x0a', 'mc_enable 0x20']);
  });

  it('gives the BMC a FRU 0 naming the server its VM is: the SMBIOS vendor, product and serial', () => {
    const node = rackSpec('rack', 2).nodes[1] as NonNullable<ReturnType<typeof rackSpec>['nodes'][0]>;
    const hw = simHardware('rack', node, { dataDisk: true });
    const fru = simFru(hw);
    const line = renderEmu(fru).split('\n').find((l) => l.startsWith('mc_add_fru_data'));
    expect(line).to.equal(`mc_add_fru_data 0x20 0 ${fru.length} data ${fru.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}`);
    // Read back by racker's own FRU decoder, as the BMC check reads it.
    expect(decodeFru(Buffer.from(fru))).to.deep.include({ productManufacturer: hw.vendor, productName: hw.product, productSerial: hw.serial, chassisSerial: hw.serial, boardSerial: `B${hw.serial}` });
    expect(simFru(simHardware('rack', node, { dataDisk: false })), 'the disks do not change it').to.deep.equal(fru);
  });

  it('quotes environment values for sh', () => {
    expect(renderNodeEnv({ A: "it's", B: 2 })).to.equal("A='it'\\''s'\nB='2'\n");
    expect(() => renderNodeEnv({ 'bad-name': 1 })).to.throw(/variable/);
  });

  it('runs udhcpc in the foreground on the BMC interface, retrying', () => {
    const node = rackSpec('rack', 1).nodes[0];
    const args = udhcpcArgs(node as NonNullable<typeof node>);
    expect(args.slice(0, 3)).to.deep.equal(['-f', '-i', 'bmc2']);
    expect(args).to.not.include('-n'); // -n would give up after the first attempts
  });
});
