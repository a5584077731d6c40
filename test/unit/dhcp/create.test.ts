import { expect } from 'chai';
import { dnsmasqRunner } from '../../../agent/dhcp/create.js';
import { configFrom } from '../../lib/dhcp-plan.js';

describe('dhcp/create', () => {
  it('runs dnsmasq as a child in binary mode and through systemd in container mode', () => {
    expect(dnsmasqRunner(configFrom().dhcp).mode).to.equal('binary');
    expect(dnsmasqRunner(configFrom('dhcp:\n  mode: container\n').dhcp).mode).to.equal('container');
  });
});
