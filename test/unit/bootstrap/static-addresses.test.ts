import { expect } from 'chai';
import { parseStaticAddresses } from '../../../bootstrap/static-addresses.js';
import { macDirectory } from '../../../bootstrap/plan.js';
import { fakeInventory } from '../../lib/bootstrap-fixtures.js';

const macs = macDirectory(fakeInventory(['a', 'b', 'c']));
const parse = (text: string) => parseStaticAddresses(text, '/etc/racker/public.yaml', macs);
const problems = (text: string) => parse(text).problems.map((p) => `${p.line ?? '-'} ${p.field ?? '-'}: ${p.message}`);

describe('static public addresses file', () => {
  it('reads IPv4 and IPv6 addresses, gateways and several DNS servers, with defaults', () => {
    const r = parse(`
defaults:
  gateway4: 203.0.113.1
  dns: [203.0.113.53, "2001:db8::53"]
nodes:
  02:00:00:00:01:02:
    addresses: [203.0.113.10/24, "2001:db8::10/64"]
    gateway6: "2001:db8::1"
  02-00-00-00-02-02:
    addresses: 198.51.100.7/25
    gateway4: 198.51.100.1
    dns: [198.51.100.53]
`);
    expect(r.problems).to.deep.equal([]);
    const a = r.byMac.get('02:00:00:00:01:02' as never);
    expect(a?.addresses.map((x) => x.cidr)).to.deep.equal(['203.0.113.10/24', '2001:db8::10/64']);
    expect([a?.gateway4, a?.gateway6, a?.dns]).to.deep.equal(['203.0.113.1', '2001:db8::1', ['203.0.113.53', '2001:db8::53']]);
    const b = r.byMac.get('02:00:00:00:02:02' as never);
    // An entry overrides the defaults (the original could not, §8.10).
    expect([b?.gateway4, b?.dns]).to.deep.equal(['198.51.100.1', ['198.51.100.53']]);
    expect(r.byMac.size).to.equal(2);
  });

  it('reports every bad entry with its line and field', () => {
    expect(problems(`nodes:
  02:00:00:00:01:02:
    addresses: [203.0.113.0/24]
  02:00:00:00:02:02:
    addresses: [203.0.113.20/33]
  02:00:00:00:03:02:
    addresses: [203.0.113.30/24]
    gateway4: 198.51.100.1
    dns: [8.8.8.300]
    mtu: 9000
`)).to.deep.equal([
      '3 02:00:00:00:01:02.addresses: 203.0.113.0 is the network address of 203.0.113.0/24, not a host address',
      '5 02:00:00:00:02:02.addresses: prefix length /33 is outside 1..32 for IPv4',
      '9 02:00:00:00:03:02.dns: is not an IPv4 or IPv6 address',
      '10 02:00:00:00:03:02: unknown key; allowed here: addresses, gateway4, gateway6, dns',
    ]);
  });

  it('checks that a gateway is on the node\'s network', () => {
    expect(problems(`nodes:
  02:00:00:00:01:02:
    addresses: [203.0.113.10/24]
    gateway4: 198.51.100.1
  02:00:00:00:02:02:
    addresses: ["2001:db8::10/64"]
    gateway6: "fe80::1"
`)).to.deep.equal(['2 02:00:00:00:01:02.gateway4: gateway 198.51.100.1 is outside the node\'s IPv4 subnet 203.0.113.10/24']);
  });

  it('names MACs that are not secondary MACs of provisioned nodes precisely', () => {
    expect(problems(`nodes:
  02:00:00:00:01:00: {addresses: [203.0.113.10/24]}
  02:00:00:00:00:02: {addresses: [203.0.113.11/24]}
  02:00:00:00:09:02: {addresses: [203.0.113.12/24]}
  not-a-mac: {addresses: [203.0.113.13/24]}
`)).to.deep.equal([
      '2 02:00:00:00:01:00: is the primary MAC of line 2, not the secondary MAC of a node being provisioned',
      '3 02:00:00:00:00:02: is the management node\'s MAC (line 5), not the secondary MAC of a node being provisioned',
      '4 02:00:00:00:09:02: is not the secondary MAC of any node in nodes.csv',
      '5 nodes: a key is not a MAC address',
    ]);
  });

  it('rejects duplicate keys, duplicate addresses and entries without addresses', () => {
    expect(problems('nodes:\n  02:00:00:00:01:02: {addresses: [203.0.113.10/24]}\n  02:00:00:00:01:02: {addresses: [203.0.113.11/24]}\n')[0]).to.match(/^3 -: not valid YAML: Map keys must be unique/);
    expect(problems('nodes:\n  02:00:00:00:01:02: {addresses: [203.0.113.10/24]}\n  02:00:00:00:02:02: {addresses: [203.0.113.10/25]}\n  02:00:00:00:03:02: {dns: [1.1.1.1]}\n')).to.deep.equal([
      '3 02:00:00:00:02:02.addresses: 203.0.113.10 is also given to 02:00:00:00:01:02',
      '4 02:00:00:00:03:02.addresses: no addresses given',
    ]);
  });

  it('explains an empty file and a missing nodes mapping', () => {
    expect(problems('')).to.deep.equal(['- -: the file is empty']);
    expect(problems('defaults: {dns: [1.1.1.1]}\n')).to.deep.equal(['1 nodes: no "nodes:" mapping; list each node\'s secondary MAC under it']);
  });

  it('never repeats the file\'s text in a problem (it may be another file altogether, like /etc/shadow)', () => {
    const secret = 'SECRETSALT';
    const texts = [
      `root:$6$${secret}$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`,
      `root: ${secret}\nnodes:\n  ${secret}: x\n  02:00:00:00:01:02: {addresses: [${secret}], dns: [${secret}], gateway4: ${secret}, ${secret}: 1}\n`,
      `nodes: [${secret}\n`,
      `*${secret}\n`,
    ];
    for (const text of texts) {
      const found = problems(text);
      expect(found, text).to.not.deep.equal([]);
      expect(found.join('\n'), text).to.not.include(secret);
    }
  });
});
