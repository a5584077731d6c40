import { expect } from 'chai';
import { mgmtPaths, nsenterArgs, nspawnArgs, OS_MOUNT } from '../../../sim/mgmt-node.js';

describe('sim/mgmt-node', () => {
  const p = mgmtPaths('/var/lib/racker-sim/rack');

  it('boots the node in the management namespace without machined, with its own view of the namespace\'s NICs', () => {
    const args = nspawnArgs(p, 'racker-sim-rack-mgmt', 'racker-sim-rack', '/var/cache/racker-sim/standin-os/abc');
    expect(args).to.include.members(['--register=no', '--keep-unit', '--console=pipe', '--boot', '--capability=CAP_NET_ADMIN',
      '--directory=/var/lib/racker-sim/rack/mgmt/root', '--network-namespace-path=/run/netns/racker-sim-rack-mgmt']);
    expect(args).to.include('--bind-ro=/var/lib/racker-sim/rack/mgmt/sysfs/class/net:/sys/class/net');
    expect(args).to.include('--bind-ro=/var/lib/racker-sim/rack/mgmt/sysfs/devices/virtual/net:/sys/devices/virtual/net');
    expect(args).to.include(`--bind-ro=/var/cache/racker-sim/standin-os/abc:${OS_MOUNT}`);
    expect(nspawnArgs(p, 'ns', 'm', undefined).some((a) => a.includes(OS_MOUNT))).to.equal(false);
  });

  it('runs commands in every namespace of the node\'s PID 1', () => {
    expect(nsenterArgs(4242, ['systemctl', 'is-active', 'racker-agent'])).to.deep.equal(['--target', '4242', '--all', '--', 'systemctl', 'is-active', 'racker-agent']);
  });
});
