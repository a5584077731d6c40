import { expect } from 'chai';
import { bootUrl, dnsmasqFilePaths, dnsmasqPlan, missingBootFiles, renderConf, renderDnsHosts, renderDnsmasq, renderReservations, reservationsFromInventory } from '../../../agent/dhcp/render-config.js';
import type { RackNode } from '../../../agent/inventory/inventory.js';
import { parseSubnet, type Subnet } from '../../../agent/lib/ipv4.js';
import { RESERVATIONS, SAMPLE_FILES, configFrom, mac, sampleInput } from '../../lib/dhcp-plan.js';

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const optionLines = (text: string, key: string): string[] => lines(text).filter((l) => l.split('=')[0] === key);

describe('dhcp/render-config', () => {
  describe('renderConf', () => {
    it('serves only the PXE interface, never loopback', () => {
      const conf = renderConf(sampleInput());
      expect(optionLines(conf, 'interface')).to.deep.equal(['interface=br0']);
      expect(lines(conf)).to.include.members(['bind-interfaces', 'except-interface=lo']);
    });

    it('turns DNS off with port=0 by default', () => {
      const conf = renderConf(sampleInput());
      expect(lines(conf)).to.include('port=0');
      expect(optionLines(conf, 'addn-hosts')).to.deep.equal([]);
    });

    it('serves the rack names over DNS when dhcp.dns is on, and forwards nothing', () => {
      const conf = renderConf(sampleInput('dhcp:\n  dns: true\n', { domain: 'rack1.example.com' }));
      expect(lines(conf)).to.not.include('port=0');
      expect(lines(conf)).to.include.members(['no-resolv', 'no-hosts', `addn-hosts=${SAMPLE_FILES.dnsHosts}`, 'domain=rack1.example.com', 'local=/rack1.example.com/', 'expand-hosts']);
    });

    it('pushes no router and no DNS server unless configured', () => {
      const conf = renderConf(sampleInput());
      expect(optionLines(conf, 'dhcp-option')).to.deep.equal(['dhcp-option=3', 'dhcp-option=6']);
      const configured = renderConf(sampleInput('dhcp:\n  router: 172.24.213.1\n  dnsServers: [9.9.9.9, 1.1.1.1]\n'));
      expect(optionLines(configured, 'dhcp-option')).to.deep.equal(['dhcp-option=3,172.24.213.1', 'dhcp-option=6,9.9.9.9,1.1.1.1']);
    });

    it('leases only reserved addresses unless discovery is on, and then uses the plan\'s pool', () => {
      const off = renderConf(sampleInput());
      expect(optionLines(off, 'dhcp-range').filter((l) => !l.includes('::'))).to.deep.equal(['dhcp-range=set:rack,172.24.213.0,static,255.255.255.0,1h']);
      const on = renderConf(sampleInput('dhcp:\n  discovery: true\n  discoveryLeaseTime: 5m\n'));
      expect(optionLines(on, 'dhcp-range')).to.include('dhcp-range=set:discovery,172.24.213.239,172.24.213.254,255.255.255.0,5m');
    });

    it('keeps the hosts and lease files where it is told', () => {
      const conf = renderConf(sampleInput());
      expect(lines(conf)).to.include.members([`dhcp-hostsfile=${SAMPLE_FILES.reservations}`, `dhcp-leasefile=${SAMPLE_FILES.leases}`, 'log-dhcp', 'no-ping', 'pid-file=']);
    });

    it('chooses the boot file by client architecture, for reserved machines only', () => {
      const conf = renderConf(sampleInput());
      expect(optionLines(conf, 'dhcp-match')).to.deep.equal([
        'dhcp-match=set:arch0,option:client-arch,0',
        'dhcp-match=set:arch7,option:client-arch,7',
        'dhcp-match=set:arch9,option:client-arch,9',
        'dhcp-match=set:arch11,option:client-arch,11',
      ]);
      expect(optionLines(conf, 'dhcp-boot')).to.deep.equal([
        'dhcp-boot=tag:known,tag:arch0,undionly.kpxe',
        'dhcp-boot=tag:known,tag:arch7,ipxe.efi',
        'dhcp-boot=tag:known,tag:arch9,ipxe.efi',
        'dhcp-boot=tag:known,tag:ipxe,http://172.24.213.1:8080/boot.ipxe',
      ]);
      expect(lines(conf)).to.include.members(['enable-tftp', 'tftp-root=/usr/lib/ipxe', 'dhcp-userclass=set:ipxe,iPXE']);
    });

    it('offers snponly.efi to UEFI when configured, and arm64 only when its file exists', () => {
      const conf = renderConf(sampleInput('dhcp:\n  uefiBootFile: snponly.efi\n', { availableBootFiles: new Set(['undionly.kpxe', 'snponly.efi', 'ipxe-arm64.efi']) }));
      expect(optionLines(conf, 'dhcp-boot')).to.include.members(['dhcp-boot=tag:known,tag:arch7,snponly.efi', 'dhcp-boot=tag:known,tag:arch11,ipxe-arm64.efi']);
    });

    it('puts the iPXE chain last, because dnsmasq lets the last matching dhcp-boot win', () => {
      const boots = optionLines(renderConf(sampleInput()), 'dhcp-boot');
      expect(boots.at(-1)).to.equal('dhcp-boot=tag:known,tag:ipxe,http://172.24.213.1:8080/boot.ipxe');
    });

    it('sends router advertisements with lifetime 0 so iPXE stops waiting for IPv6', () => {
      const conf = renderConf(sampleInput());
      expect(lines(conf)).to.include.members(['enable-ra', 'dhcp-range=::,constructor:br0,ra-only', 'ra-param=br0,0,0']);
    });

    it('refuses values that would smuggle options into the file', () => {
      expect(() => renderConf(sampleInput('', { interface: 'br0\ndhcp-option=3,6.6.6.6' }))).to.throw(/interface/);
      expect(() => renderConf(sampleInput('', { bootUrl: 'http://x/boot.ipxe,evil' }))).to.throw(/boot URL/);
      expect(() => renderConf(sampleInput('dhcp:\n  ipxeDir: "/srv/ipxe,eth0"\n'))).to.throw(/dhcp.ipxeDir/);
    });
  });

  describe('reservations', () => {
    it('writes one line per MAC with address, name and lease time', () => {
      expect(renderReservations(RESERVATIONS, '1h').split('\n').filter((l) => !l.startsWith('#'))).to.deep.equal([
        '00:11:22:33:44:10,172.24.213.2,node-02,1h',
        '00:11:22:33:44:20,172.24.213.3,node-03,1h',
        '00:11:22:33:44:11,172.24.213.4,node-02-bmc,1h',
        '00:11:22:33:44:21,172.24.213.5,node-03-bmc,1h',
        '',
      ]);
    });

    it('leaves the name out when there is none', () => {
      const r = renderReservations([{ ...RESERVATIONS[0]!, hostname: undefined }], '30m');
      expect(r).to.contain('\n00:11:22:33:44:10,172.24.213.2,30m\n');
    });

    it('reserves every worker\'s primary and BMC MAC, not the management node\'s', () => {
      const node = (row: number, p: string, b: string, address: string | undefined, bmcAddress: string | undefined, isManagement = false): RackNode => ({
        row, line: row + 1, primaryMac: mac(p), bmcMac: mac(b), secondaryMac: mac('02:00:00:00:00:00'), nodeType: '', comments: '',
        hostname: `node-${String(row).padStart(2, '0')}`, address, bmcAddress, isManagement,
      });
      const workers = [node(2, '00:11:22:33:44:10', '00:11:22:33:44:11', '172.24.213.2', '172.24.213.4'), node(3, '00:11:22:33:44:20', '00:11:22:33:44:21', '172.24.213.3', '172.24.213.5')];
      expect(reservationsFromInventory({ workers })).to.deep.equal(RESERVATIONS);
    });

    it('drops a BMC name that would be longer than a DNS label', () => {
      const long = 'n'.repeat(61);
      const [, bmc] = reservationsFromInventory({ workers: [{ ...{ row: 1, line: 2, primaryMac: mac('00:00:00:00:00:01'), bmcMac: mac('00:00:00:00:00:02'), secondaryMac: mac('00:00:00:00:00:03'), nodeType: '', comments: '' }, hostname: long, address: '10.0.0.2', bmcAddress: '10.0.0.3', isManagement: false }] });
      expect(bmc?.hostname).to.equal(undefined);
    });
  });

  describe('DNS hosts', () => {
    it('lists every name, with the domain when there is one', () => {
      expect(renderDnsHosts(RESERVATIONS.slice(0, 1), 'rack1.example.com')).to.contain('\n172.24.213.2 node-02.rack1.example.com node-02\n');
      expect(renderDnsHosts(RESERVATIONS.slice(0, 1), undefined)).to.contain('\n172.24.213.2 node-02\n');
    });

    it('is rendered only when DNS is on', () => {
      expect(renderDnsmasq(sampleInput()).dnsHosts).to.equal(undefined);
      expect(renderDnsmasq(sampleInput('dhcp:\n  dns: true\n')).dnsHosts).to.be.a('string');
    });
  });

  describe('plan and paths', () => {
    it('chains to the boot service on the management address unless it listens elsewhere', () => {
      expect(bootUrl(configFrom().boot, '172.24.213.1')).to.equal('http://172.24.213.1:8080/boot.ipxe');
      expect(bootUrl(configFrom('boot:\n  listenAddress: 10.1.1.1\n  port: 9000\n').boot, '172.24.213.1')).to.equal('http://10.1.1.1:9000/boot.ipxe');
    });

    it('builds the plan from the inventory', () => {
      const subnet = parseSubnet('10.9.0.0/24') as Subnet;
      const plan = dnsmasqPlan({ workers: [], pxeInterface: 'eth1', plan: { subnet, managementAddress: '10.9.0.1', byMac: new Map(), discoveryPool: undefined } }, configFrom('network:\n  subnet: 10.9.0.0/24\n  domain: r.example\n'));
      expect(plan).to.deep.equal({ interface: 'eth1', subnet, discoveryPool: undefined, reservations: [], domain: 'r.example', bootUrl: 'http://10.9.0.1:8080/boot.ipxe' });
    });

    it('keeps every file in <stateDir>/dhcp', () => {
      expect(dnsmasqFilePaths('/var/lib/racker/')).to.deep.equal(SAMPLE_FILES);
    });

    it('names the boot files a rack cannot do without when they are missing', () => {
      const dhcp = configFrom().dhcp;
      expect(missingBootFiles(dhcp, new Set(['undionly.kpxe']))).to.deep.equal(['ipxe.efi']);
      expect(missingBootFiles(dhcp, new Set(['undionly.kpxe', 'ipxe.efi']))).to.deep.equal([]);
    });
  });

  describe('dhcp settings', () => {
    it('rejects boot files outside the TFTP root and inverted restart delays', () => {
      expect(() => configFrom('dhcp:\n  uefiBootFile: ../../etc/shadow\n')).to.throw(/dhcp.uefiBootFile/);
      expect(() => configFrom('dhcp:\n  restartMinDelayMs: 5000\n  restartMaxDelayMs: 100\n')).to.throw(/restartMaxDelayMs/);
      expect(() => configFrom('dhcp:\n  unit: "dnsmasq; rm -rf /"\n')).to.throw(/dhcp.unit/);
    });
  });
});
