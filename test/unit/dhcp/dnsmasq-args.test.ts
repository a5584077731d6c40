import { expect } from 'chai';
import { dnsmasqArgs, dnsmasqTestArgs, journalctlFollowArgs, systemctlArgs } from '../../../agent/dhcp/dnsmasq-args.js';

describe('dhcp/dnsmasq-args', () => {
  it('runs dnsmasq in the foreground on our file, logging to stderr', () => {
    expect(dnsmasqArgs('/var/lib/racker/dhcp/dnsmasq.conf')).to.deep.equal(['--keep-in-foreground', '--conf-file=/var/lib/racker/dhcp/dnsmasq.conf', '--log-facility=-']);
  });

  it('checks syntax with --test', () => {
    expect(dnsmasqTestArgs('/x/dnsmasq.conf')).to.deep.equal(['--test', '--conf-file=/x/dnsmasq.conf']);
  });

  it('drives the container unit with systemctl and follows its journal', () => {
    const u = 'racker-dnsmasq.service';
    expect([systemctlArgs.restart(u), systemctlArgs.reload(u), systemctlArgs.stop(u), systemctlArgs.isActive(u), systemctlArgs.mainPid(u)]).to.deep.equal([
      ['restart', u], ['reload', u], ['stop', u], ['is-active', '--quiet', u], ['show', '--property=MainPID', '--value', u],
    ]);
    expect(journalctlFollowArgs(u)).to.deep.equal(['--unit', u, '--follow', '--lines=0', '--output=cat']);
  });
});
