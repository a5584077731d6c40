import { expect } from 'chai';
import { decodeDataSource, mergeConfigs, dataSource } from '../../../bootstrap/ignition/builders.js';
import { installConfig, oemGrubCfg } from '../../../bootstrap/ignition/install.js';
import { installedConfig, hostsFile } from '../../../bootstrap/ignition/installed.js';
import { publicNetwork, internalNetwork } from '../../../bootstrap/ignition/networkd.js';
import { butaneToIgnition } from '../../../bootstrap/ignition/butane.js';
import { parseIgnitionSnippet, snippetsFor } from '../../../bootstrap/ignition/snippets.js';
import type { IgnitionConfig } from '../../../bootstrap/ignition/types.js';
import { endpoints } from '../../../bootstrap/endpoints.js';
import { parseInterface, type Interface } from '../../../bootstrap/ip.js';
import { fakePlan, defaultDisk } from '../../lib/bootstrap-fixtures.js';

const e = endpoints('172.24.213.1', 8080);
const opts = { flatcarVersion: '4081.2.0', console: ['console=ttyS1,115200n8'], kernelArgs: ['flatcar.autologin=tty1'], disk: defaultDisk(), rebootDelaySeconds: 15 };
const TOKEN = 'tok3n-abc';
const fileText = (c: IgnitionConfig, path: string): string => decodeDataSource(c.storage?.files?.find((f) => f.path === path)?.contents);
const iface = (s: string): Interface => parseInterface(s) as Interface;

describe('ignition: installer config', () => {
  const plan = fakePlan(['a', 'b']);
  const node = plan.nodes[0]!;
  const c = installConfig(plan, e, node, TOKEN, opts);

  it('sends the inventory, then runs flatcar-install from our own assets to the disk racker-disk-select picks', () => {
    const script = fileText(c, '/opt/racker/bin/racker-install');
    expect(script).to.contain(`flatcar-install -d "$disk" -b 'http://172.24.213.1:8080/assets/flatcar' -V '4081.2.0' -o ''`);
    expect(script.indexOf('"$inventory" ||')).to.be.greaterThan(0).and.lessThan(script.indexOf('"$diskselect"'));
    expect(script.indexOf('"$diskselect"')).to.be.lessThan(script.indexOf('run flatcar-install'));
    for (const f of ['/opt/racker/bin/racker-install', '/opt/racker/bin/racker-disk-select', '/opt/racker/bin/racker-inventory']) {
      expect(c.storage?.files?.find((x) => x.path === f)?.mode, f).to.equal(0o700);
    }
    expect(fileText(c, '/opt/racker/bin/racker-disk-select')).to.contain("export RACKER_DISK_MIN='10737418240'");
    expect(c.systemd?.units?.map((u) => [u.name, u.enabled])).to.deep.equal([['racker-install.service', true]]);
  });

  it("carries the node's own rule", () => {
    const own = installConfig(plan, e, node, TOKEN, { ...opts, disk: () => ({ rule: { transport: ['nvme'], serial: 'S4*' }, minDiskGiB: 10, wipe: 'metadata', provisionedBefore: false }) });
    const select = fileText(own, '/opt/racker/bin/racker-disk-select');
    expect(select).to.contain("export RACKER_DISK_TRAN=' nvme '").and.contain("export RACKER_DISK_SERIAL='^S4.*$'").and.contain("export RACKER_DISK_WIPE='metadata'");
  });

  it('records console, kernel arguments and the installed Ignition URL in the OEM grub.cfg', () => {
    expect(oemGrubCfg(e, node, opts)).to.equal('# racker: console and installed-system Ignition\n' +
      'set linux_console="console=ttyS1,115200n8"\n' +
      'set linux_append="flatcar.autologin=tty1 ignition.config.url=http://172.24.213.1:8080/ignition?mac=02-00-00-00-01-00&os=installed"\n');
    expect(fileText(c, '/opt/racker/bin/racker-install')).to.contain(oemGrubCfg(e, node, opts).trimEnd());
    expect(() => oemGrubCfg(e, node, { ...opts, kernelArgs: ['a"b'] })).to.throw('cannot go into grub.cfg');
  });

  it('reports installed, then reboots', () => {
    const script = fileText(c, '/opt/racker/bin/racker-install');
    expect(script.indexOf('"$report" installed')).to.be.greaterThan(script.indexOf('umount "$oemdir"'));
    expect(script.trimEnd().endsWith('sleep 15\nsystemctl reboot')).to.equal(true);
  });

  it('keeps the token in a root-only header file and nowhere else', () => {
    const headers = c.storage?.files?.find((f) => f.path === '/etc/racker/phone-home.headers');
    expect(headers?.mode).to.equal(0o600);
    expect(decodeDataSource(headers?.contents)).to.equal(`Authorization: Bearer ${TOKEN}\n`);
    const others = (c.storage?.files ?? []).filter((f) => f !== headers).map((f) => decodeDataSource(f.contents)).join('\n');
    expect(others).to.not.contain(TOKEN);
    expect(fileText(c, '/opt/racker/bin/racker-report')).to.contain('-H @/etc/racker/phone-home.headers');
  });
});

describe('ignition: installed config', () => {
  it('sets host name, /etc/hosts, networking by MAC, SSH keys and the ready report', () => {
    const plan = fakePlan(['a', 'b']);
    const node = plan.nodes[1]!;
    const c = installedConfig(plan, e, node, TOKEN);
    expect(fileText(c, '/etc/hostname')).to.equal('node-02\n');
    expect(fileText(c, '/etc/systemd/network/00-racker-internal.network')).to.contain('MACAddress=02:00:00:00:02:00').and.contain('Address=172.24.213.3/24');
    expect(fileText(c, '/etc/systemd/network/01-racker-public.network')).to.contain('MACAddress=02:00:00:00:02:02').and.contain('DHCP=yes');
    expect(c.passwd?.users).to.deep.equal([{ name: 'core', sshAuthorizedKeys: plan.sshKeys }]);
    expect(c.systemd?.units?.[0]?.contents).to.contain('ExecStart=/opt/racker/bin/racker-report ready');
  });

  it('lists the API name once per controller in /etc/hosts', () => {
    const plan = fakePlan(['a', 'a', 'a', 'b'], { provision: 'kubernetes', controllers: 3, controllerType: 'a' });
    expect(hostsFile(plan).split('\n').filter((l) => l.endsWith(' racker.rack.example.com'))).to.deep.equal([
      '172.24.213.2 racker.rack.example.com', '172.24.213.3 racker.rack.example.com', '172.24.213.4 racker.rack.example.com']);
  });

  it('renders static public IPv4 and IPv6 with gateways and several DNS servers', () => {
    expect(publicNetwork('02:00:00:00:01:02', { addresses: [iface('203.0.113.10/24'), iface('2001:db8::10/64')], gateway4: '203.0.113.1', gateway6: 'fe80::1', dns: ['203.0.113.53', '2001:db8::53'] }))
      .to.equal('# The public network (racker): static addresses.\n[Match]\nMACAddress=02:00:00:00:01:02\n\n[Network]\nDHCP=no\nLinkLocalAddressing=ipv6\nIPv6AcceptRA=no\n' +
        'Address=203.0.113.10/24\nAddress=2001:db8::10/64\nGateway=203.0.113.1\nGateway=fe80::1\nDNS=203.0.113.53\nDNS=2001:db8::53\n');
    expect(internalNetwork('02:00:00:00:01:00', '10.0.0.5', 24)).to.contain('Address=10.0.0.5/24').and.not.contain('Gateway');
  });

  it('merges snippets last: same path replaces, SSH keys accumulate, new units are added', () => {
    const plan = fakePlan(['a']);
    const snippet = butaneToIgnition(`variant: flatcar
version: 1.1.0
passwd:
  users:
    - name: core
      ssh_authorized_keys: [ssh-ed25519 AAAAextra extra@x]
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents: { inline: "custom\\n" }
systemd:
  units:
    - name: hello.service
      enabled: true
      contents: "[Service]\\nExecStart=/usr/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n"
`, 'x.bu');
    expect(snippet.problems).to.deep.equal([]);
    const c = installedConfig(plan, e, plan.nodes[0]!, TOKEN, { snippets: [snippet.config!] });
    expect(fileText(c, '/etc/hostname')).to.equal('custom\n');
    expect(c.storage?.files?.filter((f) => f.path === '/etc/hostname')).to.have.length(1);
    expect(c.passwd?.users?.[0]?.sshAuthorizedKeys).to.deep.equal([...plan.sshKeys, 'ssh-ed25519 AAAAextra extra@x']);
    expect(c.systemd?.units?.map((u) => u.name)).to.deep.equal(['racker-ready.service', 'hello.service']);
  });
});

describe('ignition: snippets', () => {
  it('reports unsupported Butane keys and bad values with their lines', () => {
    const r = butaneToIgnition('variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: etc/x\n  disks: []\nkernel_arguments: {}\n', 's.bu');
    expect(r.problems.map((p) => `${p.line} ${p.field}: ${p.message}`)).to.have.members([
      '7 kernel_arguments: kernel_arguments: not supported in racker\'s Butane subset',
      '6 storage.disks: disks: not supported in racker\'s Butane subset',
      '5 storage.files.0.path: must be an absolute path',
    ]);
  });

  it('accepts Ignition snippets of spec 3.0 to 3.3 only', () => {
    expect(parseIgnitionSnippet('{"ignition":{"version":"3.3.0"}}', 'a.ign').problems).to.deep.equal([]);
    expect(parseIgnitionSnippet('{"ignition":{"version":"2.3.0"}}', 'a.ign').problems[0]?.message).to.contain('racker merges Ignition spec 3.0.0 to 3.3.0');
    expect(parseIgnitionSnippet('{"ignition":\n{', 'a.ign').problems[0]?.message).to.contain('not valid JSON');
  });

  it('picks snippets for a node most general first: all, role, type, node', () => {
    const cfg = { ignition: { version: '3.3.0' } };
    const lib = { problems: [], snippets: [
      { scope: { kind: 'node' as const, name: '020000000100' }, file: 'node-mac', config: cfg },
      { scope: { kind: 'type' as const, name: 'big-disk' }, file: 'type', config: cfg },
      { scope: { kind: 'all' as const }, file: 'all', config: cfg },
      { scope: { kind: 'role' as const, name: 'worker' }, file: 'role', config: cfg },
      { scope: { kind: 'node' as const, name: 'node-02' }, file: 'other-node', config: cfg },
    ] };
    const node = { role: 'worker' as const, nodeType: 'Big Disk', hostname: 'node-01', mac: '02:00:00:00:01:00' as never };
    expect(snippetsFor(lib, node).map((s) => s.file)).to.deep.equal(['all', 'role', 'type', 'node-mac']);
  });

  it('compresses large files and reads them back', () => {
    const big = 'x'.repeat(20000);
    const r = dataSource(big);
    expect(r.compression).to.equal('gzip');
    expect(decodeDataSource(r)).to.equal(big);
    expect(decodeDataSource(dataSource('a b%c\n'))).to.equal('a b%c\n');
  });

  it('merges keyed lists by key and leaves the inputs untouched', () => {
    const a: IgnitionConfig = { ignition: { version: '3.3.0' }, storage: { files: [{ path: '/a', mode: 1 }] } };
    const b: IgnitionConfig = { ignition: { version: '3.3.0' }, storage: { files: [{ path: '/a', mode: 2 }, { path: '/b' }] } };
    expect(mergeConfigs(a, b).storage?.files).to.deep.equal([{ path: '/a', mode: 2 }, { path: '/b' }]);
    expect(a.storage?.files).to.deep.equal([{ path: '/a', mode: 1 }]);
  });
});
