import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { DnsmasqLogParser, type DhcpPacketEvent, type ParsedLogEvent } from '../../../agent/dhcp/log-parser.js';
import { archFromVendorClass, archName } from '../../../agent/dhcp/client-arch.js';
import { testData } from '../../lib/paths.js';

/** Feed a whole log and flush at the end, as the supervisor does when the log goes quiet. */
function parseAll(text: string): ParsedLogEvent[] {
  const p = new DnsmasqLogParser();
  return [...text.split('\n').flatMap((l) => p.feed(l)), ...p.flush()];
}
const dhcp = (events: ParsedLogEvent[]): DhcpPacketEvent[] => events.filter((e): e is DhcpPacketEvent => e.type === 'dhcp');
const fixture = (name: string): string => readFileSync(testData('dhcp', name), 'utf8');

describe('dhcp/log-parser', () => {
  // Recorded from dnsmasq 2.90 serving busybox udhcpc in a network namespace (see the fixture files).
  describe('a reserved node booting (recorded log)', () => {
    const events = parseAll(fixture('dnsmasq-reserved.log'));
    const packets = dhcp(events);

    it('reports every DHCP message in order', () => {
      expect(packets.map((e) => e.message)).to.deep.equal([
        'DISCOVER', 'OFFER', 'REQUEST', 'ACK', // BIOS client
        'DISCOVER', 'OFFER', 'REQUEST', 'ACK', // UEFI client
        'DISCOVER', 'OFFER', 'REQUEST', 'ACK', // iPXE
        'DISCOVER', 'DISCOVER', // unknown MAC, no discovery pool
      ]);
    });

    it('carries MAC, address, host name, architecture and boot file', () => {
      expect(packets[3]).to.deep.include({
        message: 'ACK', mac: '00:11:22:33:44:10', ip: '172.24.213.2', hostname: 'node-01', interface: 'br0',
        clientArch: 0, bootFile: 'undionly.kpxe', known: true, vendorClass: 'udhcp 1.35.0', userClass: undefined, status: undefined,
      });
      expect(packets[3]?.xid).to.equal(345534765);
      expect(packets[5]).to.deep.include({ message: 'OFFER', clientArch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003016', bootFile: 'ipxe.efi' });
      expect(packets[11]).to.deep.include({ message: 'ACK', userClass: 'iPXE', bootFile: 'http://172.24.213.1:8080/boot.ipxe' });
    });

    it('gives requests no boot file and replies the requested address', () => {
      expect(packets[2]).to.deep.include({ message: 'REQUEST', ip: '172.24.213.2', bootFile: undefined, hostname: undefined });
    });

    it('reports an unknown MAC with the reason it got nothing', () => {
      expect(packets[12]).to.deep.include({ message: 'DISCOVER', mac: '00:11:22:33:44:99', known: false, status: 'no address available' });
    });

    it('reports TFTP transfers and file reads', () => {
      expect(events.filter((e) => e.type === 'tftp')).to.deep.equal([
        { type: 'tftp', outcome: 'sent', file: '/usr/lib/ipxe/undionly.kpxe', client: '172.24.213.50' },
        { type: 'tftp', outcome: 'sent', file: '/usr/lib/ipxe/ipxe.efi', client: '172.24.213.50' },
      ]);
      expect(events.filter((e) => e.type === 'read')).to.deep.equal([{ type: 'read', file: '/tmp/exp/st/hosts' }]);
    });

    it('keeps start-up lines as info', () => {
      const first = events.find((e) => e.type === 'log');
      expect(first).to.deep.equal({ type: 'log', level: 'info', message: 'started, version 2.90 DNS disabled' });
    });
  });

  describe('the discovery pool (recorded log)', () => {
    const packets = dhcp(parseAll(fixture('dnsmasq-discovery.log')));

    it('reports unknown MACs as not known, with the name they sent', () => {
      const ack = packets.find((e) => e.message === 'ACK');
      expect(ack).to.deep.include({ mac: '00:11:22:33:44:99', ip: '172.24.213.245', known: false, hostname: 'stranger', clientArch: 0, userClass: 'iPXE' });
      expect(ack?.tags).to.deep.equal(['discovery', 'ipxe', 'arch0', 'br0']);
    });

    it('tells the DISCOVER with a requested address from its OFFER', () => {
      const [, , , , discover, offer] = packets;
      expect(discover).to.deep.include({ message: 'DISCOVER', ip: '172.24.213.3' });
      expect(offer).to.deep.include({ message: 'OFFER', ip: '172.24.213.245' });
    });
  });

  it('turns a start-up failure into a warning', () => {
    expect(parseAll(fixture('dnsmasq-start-failure.log'))).to.deep.equal([{ type: 'log', level: 'warn', message: 'unknown interface nosuch0' }]);
  });

  it('reads a NAK with its reason, and lines without the stderr prefix (journald)', () => {
    const events = dhcp(parseAll([
      '77 available DHCP subnet: 172.24.213.0/255.255.255.0',
      '77 DHCPREQUEST(eth1) 172.24.213.9 AA:BB:CC:DD:EE:01 ',
      '77 tags: rack, known, eth1',
      '77 DHCPNAK(eth1) 172.24.213.9 aa:bb:cc:dd:ee:01 wrong address',
    ].join('\n')));
    expect(events.map((e) => [e.message, e.mac, e.ip, e.status])).to.deep.equal([
      ['REQUEST', 'aa:bb:cc:dd:ee:01', '172.24.213.9', undefined],
      ['NAK', 'aa:bb:cc:dd:ee:01', '172.24.213.9', 'wrong address'],
    ]);
  });

  it('ends a block when another transaction starts, without waiting for a flush', () => {
    const p = new DnsmasqLogParser();
    expect(p.feed('dnsmasq-dhcp[1]: 5 DHCPDISCOVER(br0) 00:11:22:33:44:10 ')).to.deep.equal([]);
    const out = p.feed('dnsmasq-dhcp[1]: 6 DHCPDISCOVER(br0) 00:11:22:33:44:20 ');
    expect(dhcp(out).map((e) => e.mac)).to.deep.equal(['00:11:22:33:44:10']);
    expect(dhcp(p.flush()).map((e) => e.mac)).to.deep.equal(['00:11:22:33:44:20']);
  });

  it('ignores detail lines of a block it never saw begin, and junk', () => {
    const p = new DnsmasqLogParser();
    expect(p.feed('dnsmasq-dhcp[1]: 9 bootfile name: x')).to.deep.equal([]);
    expect(p.feed('')).to.deep.equal([]);
    expect(p.feed('dnsmasq-dhcp[1]: 9 DHCPBOGUS(br0) 00:11:22:33:44:10')).to.deep.equal([]);
    expect(p.flush()).to.deep.equal([]);
  });

  it('names architectures and reads them from PXE vendor classes', () => {
    expect(archFromVendorClass('PXEClient:Arch:00011:UNDI:003016')).to.equal(11);
    expect(archFromVendorClass('udhcp 1.35.0')).to.equal(undefined);
    expect(archName(9)).to.equal('x86-64 UEFI');
    expect(archName(16)).to.equal('architecture 16');
  });
});
