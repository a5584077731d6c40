import { expect } from 'chai';
import { parseConfig } from '../../../agent/config/parse.js';
import { configFilePath, envPathDefaults } from '../../../agent/config/paths.js';
import { runtimePins } from '../../../agent/config/pins.js';
import { ValidationError, formatProblem } from '../../../agent/lib/errors.js';

const problemsOf = (text: string): string[] => {
  try {
    parseConfig(text, '/etc/racker/racker.yaml', {});
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
};

describe('configuration', () => {
  it('gives every setting a default', () => {
    const c = parseConfig('', undefined, {});
    expect(c.paths).to.deep.equal({ oemDir: '/usr/share/oem', etcDir: '/etc/racker', stateDir: '/var/lib/racker', runDir: '/run/racker', sysClassNet: '/sys/class/net' });
    expect(c.network.subnet).to.equal('172.24.213.0/24');
    expect(c.dhcp.dns).to.equal(false);
    expect(c.bmc.driver).to.equal('ipmi');
    expect(c.source).to.equal(undefined);
  });

  it('takes the bootstrap versions and the sysext URL from conf.yaml\'s pins when unset', () => {
    const pins = runtimePins();
    const c = parseConfig('', undefined, {});
    expect(c.bootstrap.flatcar).to.include({ channel: pins.flatcar.channel, version: pins.flatcar.version });
    expect(c.bootstrap.kubernetes).to.include({ version: pins.kubernetes.version, sysextUrl: pins.kubernetes.sysextUrl });
    expect(pins.kubernetes.sysextUrl).to.equal('https://extensions.flatcar.org/extensions/kubernetes-{version}-x86-64.raw');
    const set = parseConfig('bootstrap:\n  flatcar: {version: current}\n  kubernetes: {version: v1.34.1}\n', 'f', {});
    expect([set.bootstrap.flatcar.version, set.bootstrap.kubernetes.version]).to.deep.equal(['current', 'v1.34.1']);
  });

  it('takes path defaults from the environment, and the file wins over both', () => {
    const env = { RACKER_OEM_DIR: '/tmp/oem', RACKER_STATE_DIR: '/tmp/state', RACKER_RUN_DIR: '', RACKER_ETC_DIR: '/tmp/etc' };
    expect(envPathDefaults(env)).to.include({ oemDir: '/tmp/oem', stateDir: '/tmp/state', runDir: '/run/racker', etcDir: '/tmp/etc' });
    const c = parseConfig('paths:\n  stateDir: /srv/state\n', 'f', env);
    expect(c.paths).to.include({ oemDir: '/tmp/oem', stateDir: '/srv/state' });
    expect(configFilePath(undefined, env)).to.deep.equal({ path: '/tmp/etc/racker.yaml', explicit: false });
    expect(configFilePath(undefined, { RACKER_CONFIG: '/x.yaml' })).to.deep.equal({ path: '/x.yaml', explicit: true });
    expect(configFilePath('/y.yaml', { RACKER_CONFIG: '/x.yaml' })).to.deep.equal({ path: '/y.yaml', explicit: true });
  });

  it('is frozen', () => {
    const c = parseConfig('', undefined, {});
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c.network)).to.equal(true);
    expect(() => { (c.network as { subnet: string }).subnet = 'x'; }).to.throw(TypeError);
  });

  it('reports every problem with its line and path', () => {
    const text = [
      'network:',
      '  subnet: 10.0.0.0/8',
      '  hostnamePattern: "{type}"',
      'bmc:',
      '  timeoutMs: fast',
      '  nodes:',
      '    "zz:zz": { port: 70000 }',
      'dhpc: {}',
      'paths:',
      '  stateDir: relative/dir',
    ].join('\n');
    expect(problemsOf(text)).to.deep.equal([
      '/etc/racker/racker.yaml:10: paths.stateDir: must be an absolute path',
      '/etc/racker/racker.yaml:2: network.subnet: /8 is outside the supported /16 to /28',
      '/etc/racker/racker.yaml:3: network.hostnamePattern: needs {row} or {mac} so that every node gets its own name',
      '/etc/racker/racker.yaml:5: bmc.timeoutMs: takes a number of milliseconds, not the text "fast"\n    fix: write a plain number of milliseconds (every duration setting names its unit: …Ms or …Seconds)',
      '/etc/racker/racker.yaml:7: bmc.nodes.zz:zz.port: Too big: expected number to be <=65535',
      '/etc/racker/racker.yaml:7: bmc.nodes.zz:zz: "zz:zz" is not a MAC address',
      '/etc/racker/racker.yaml:8: dhpc: unknown setting\n    fix: check the spelling against docs/configuration.md',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('network:\n  subnet: [\n')).to.have.length.greaterThan(0);
    expect(problemsOf('network:\n  subnet: [\n')[0]).to.match(/^\/etc\/racker\/racker\.yaml:\d+: /);
    expect(problemsOf('a: 1\na: 2\n')[0]).to.match(/^\/etc\/racker\/racker\.yaml:2: .*[Uu]nique/);
  });

  it('rejects a subnet with host bits and a discovery pool that leaves no room', () => {
    expect(problemsOf('network: { subnet: 10.1.2.3/24 }')).to.deep.equal(['/etc/racker/racker.yaml:1: network.subnet: 10.1.2.3/24 has host bits set; the network is 10.1.2.0/24']);
    expect(problemsOf('network: { subnet: 10.1.2.0/28, discoveryPoolSize: 12 }')[0]).to.match(/network\.discoveryPoolSize: 12 leaves too few of 10\.1\.2\.0\/28's 14 addresses/);
  });

  it('takes install-disk rules per rack, node type and node, and names the field of a bad one', () => {
    const c = parseConfig([
      'bootstrap:',
      '  installDisk: /dev/sda',
      '  wipe: metadata',
      '  nodeTypes:',
      '    storage: { installDisk: { transport: [nvme], model: "SAMSUNG*", minSizeGiB: 200 } }',
      '  nodes:',
      '    node-03: { installDisk: { byPath: "pci-0000:00:17.0-ata-1" }, wipe: none }',
    ].join('\n'), '/etc/racker/racker.yaml', {});
    expect(c.bootstrap.installDisk).to.deep.equal({ device: '/dev/sda' });
    expect(c.bootstrap.wipe).to.equal('metadata');
    expect(c.bootstrap.nodeTypes.storage?.installDisk).to.deep.equal({ transport: ['nvme'], model: 'SAMSUNG*', minSizeGiB: 200 });
    expect(c.bootstrap.nodes['node-03']).to.deep.equal({ installDisk: { byPath: 'pci-0000:00:17.0-ata-1' }, wipe: 'none' });
    expect(parseConfig('', undefined, {}).bootstrap.wipe).to.equal('none');
    expect(problemsOf('bootstrap:\n  nodeTypes:\n    storage:\n      installDisk: { transport: [floppy] }\n')).to.deep.equal([
      '/etc/racker/racker.yaml:4: bootstrap.nodeTypes.storage.installDisk.transport.0: Invalid option: expected one of "nvme"|"sata"|"sas"|"ata"|"scsi"|"usb"|"mmc"|"virtio"|"fc"|"iscsi"']);
    expect(problemsOf('bootstrap:\n  installDisk: { minSizeGiB: 100, maxSizeGiB: 50 }\n')).to.deep.equal([
      '/etc/racker/racker.yaml:2: bootstrap.installDisk.maxSizeGiB: minSizeGiB must not be larger than maxSizeGiB']);
    expect(problemsOf('bootstrap:\n  nodes:\n    node-02: { installDisk: { serail: X } }\n')[0]).to.match(/^\/etc\/racker\/racker\.yaml:3: bootstrap\.nodes\.node-02\.installDisk\.serail: unknown setting/);
    expect(problemsOf('bootstrap:\n  wipe: everything\n')[0]).to.match(/^\/etc\/racker\/racker\.yaml:2: bootstrap\.wipe: Invalid option/);
  });

  it('rejects a top level that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).to.deep.equal(['/etc/racker/racker.yaml:1: the top level must be a mapping (key: value)']);
  });
});
