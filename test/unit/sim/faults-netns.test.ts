import { expect } from 'chai';
import { renderLossRules, renderNoDhcpRules, isFault } from '../../../sim/faults.js';
import { mgmtLinkCommands, rackLinkCommands } from '../../../sim/netns.js';
import { rackSpec } from '../../../sim/rack-spec.js';

describe('sim/faults and sim/netns', () => {
  const spec = rackSpec('rack', 2);
  const node = spec.nodes[0] as NonNullable<(typeof spec.nodes)[0]>;

  it('drops DHCP from the node\'s tap and BMC port on the bridge', () => {
    expect(renderNoDhcpRules(node)).to.include('iifname { "tap2", "bmc2p" } udp dport 67 drop');
    expect(renderNoDhcpRules(node)).to.match(/^table bridge racker_sim_n2 \{/);
  });

  it('drops a share of IPMI packets both ways; 100 % is a plain drop (numgen stops at 99)', () => {
    const r = renderLossRules(node, 30);
    expect(r).to.include('iifname "bmc2" udp dport 623 numgen random mod 100 < 30 drop');
    expect(r).to.include('oifname "bmc2" udp sport 623 numgen random mod 100 < 30 drop');
    expect(renderLossRules(node, 100)).to.include('iifname "bmc2" udp dport 623 drop');
    expect(() => renderLossRules(node, 0)).to.throw(RangeError);
  });

  it('knows its faults', () => {
    expect(isFault('bmc-down')).to.equal(true);
    expect(isFault('clear')).to.equal(false);
  });

  it('builds the rack: bridges, the management veths into the other namespace, a BMC veth with its MAC, taps only with VMs', () => {
    const noVm = rackLinkCommands(spec, { vm: false });
    expect(noVm).to.include('link add name mgmt-pxe type veth peer name pxe0 netns racker-sim-rack-mgmt');
    expect(noVm).to.include(`link add name bmc2 address ${node.bmcMac} type veth peer name bmc2p`);
    expect(noVm).to.include('link set dev bmc2p master br-internal up');
    expect(noVm.some((c) => c.startsWith('tuntap'))).to.equal(false);
    const vm = rackLinkCommands(spec, { vm: true });
    expect(vm).to.include.members(['tuntap add dev tap2 mode tap', 'link set dev tap2 master br-internal up', 'link set dev pub2 master br-public up']);
    // `ip link set a up` would read "a" as "address": every link command names its device.
    for (const c of vm.filter((x) => x.startsWith('link set'))) expect(c).to.match(/^link set dev /);
  });

  it('gives the management node its MACs and the first address', () => {
    const m = mgmtLinkCommands(spec);
    expect(m).to.include(`link set dev pxe0 address ${spec.mgmt.secondaryMac}`);
    expect(m).to.include(`link set dev pub0 address ${spec.mgmt.primaryMac}`);
    expect(m).to.include('addr add 172.24.213.1/24 dev pxe0');
  });
});
