import { expect } from 'chai';
import { publicBridgeAddressCommand, publicDhcpArgs, publicStaticAddress, PUBLIC_DHCP_RANGE } from '../../../sim/public-net.js';
import { rackSpec } from '../../../sim/rack-spec.js';

describe('sim/public-net', () => {
  const spec = rackSpec('rack', 3);

  it('serves DHCP on the public bridge only, without router, DNS or lease file', () => {
    const args = publicDhcpArgs(spec, '/var/lib/racker-sim/rack');
    expect(args).to.include('--interface=br-public').and.include('--bind-interfaces').and.include('--port=0');
    expect(args).to.include('--dhcp-option=3').and.include('--dhcp-option=6').and.include('--leasefile-ro');
    expect(args).to.include('--pid-file=/var/lib/racker-sim/rack/public-dhcp.pid');
    expect(publicBridgeAddressCommand(spec)).to.equal('addr add 198.18.0.1/24 dev br-public');
  });

  it('gives static test addresses below the DHCP range', () => {
    const last = Number(PUBLIC_DHCP_RANGE[0].split('.')[3]);
    for (const n of spec.nodes) expect(Number(publicStaticAddress(n.row).split('.')[3])).to.be.lessThan(last);
  });
});
