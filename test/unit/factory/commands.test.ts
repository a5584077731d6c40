import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { probeAll, dhcpReport, type BmcTarget } from '../../../factory/live-check.js';
import { sshKeygenArgs } from '../../../factory/ssh-key.js';
import { confirm } from '../../../factory/confirm.js';
import { FakeBmcProbe } from '../../lib/fake-bmc-probe.js';
import type { RackNode, Inventory } from '../../../agent/inventory/inventory.js';
import type { Mac } from '../../../agent/lib/mac.js';
import type { CliContext } from '../../../agent/cli-kit/context.js';

const node = (row: number): RackNode => ({
  row, line: row + 1, primaryMac: `02:00:00:00:0${row}:01` as Mac, bmcMac: `02:00:00:00:0${row}:02` as Mac, secondaryMac: `02:00:00:00:0${row}:03` as Mac,
  nodeType: '', comments: '', hostname: `node-0${row}`, address: `10.0.0.${row}`, bmcAddress: `10.0.1.${row}`, isManagement: false,
});

describe('factory commands (pure parts)', () => {
  it('probes every BMC with at most `fanout` at once, reporting in rack order', async () => {
    const targets: BmcTarget[] = [1, 2, 3, 4, 5].map((r) => ({ node: node(r), host: `10.0.1.${r}`, port: r === 5 ? 6230 : 623, cipherSuite: undefined }));
    const probe = new FakeBmcProbe((t) => ({ reachable: t.node.row !== 3, detail: t.node.row === 3 ? 'no answer' : 'Chassis Power is on' }));
    const r = await probeAll(targets, probe, 2);
    expect(probe.maxInFlight).to.equal(2);
    expect(r.map((b) => [b.row, b.reachable, b.address])).to.deep.equal([
      [1, true, '10.0.1.1'], [2, true, '10.0.1.2'], [3, false, '10.0.1.3'], [4, true, '10.0.1.4'], [5, true, '10.0.1.5:6230']]);
  });

  it('reports which node and BMC MACs have leases, and leases for MACs not in nodes.csv', () => {
    const inv = { nodes: [node(1), node(2)], workers: [node(1), node(2)] } as unknown as Inventory;
    const leases = [{ mac: node(1).bmcMac, ip: '10.0.1.1', hostname: undefined, expiresAt: undefined }, { mac: '0c:c4:7a:00:00:01' as Mac, ip: '10.0.0.99', hostname: undefined, expiresAt: undefined }];
    expect(dhcpReport(inv, leases, '/l')).to.deep.equal({
      leaseFile: '/l', available: true,
      nodes: [{ row: 1, hostname: 'node-01', primarySeen: undefined, bmcSeen: '10.0.1.1' }, { row: 2, hostname: 'node-02', primarySeen: undefined, bmcSeen: undefined }],
      unknown: [{ mac: '0c:c4:7a:00:00:01', ip: '10.0.0.99' }],
    });
    expect(dhcpReport(inv, undefined, '/l').available).to.equal(false);
  });

  it('asks ssh-keygen for ed25519 without passphrase, comment racker, at the given path', () => {
    expect(sshKeygenArgs('/etc/racker/ssh/id_ed25519')).to.deep.equal(['-q', '-t', 'ed25519', '-N', '', '-C', 'racker', '-f', '/etc/racker/ssh/id_ed25519']);
  });

  describe('confirm', () => {
    const ctx = (tty: boolean, answer: string): { ctx: CliContext; err: PassThrough } => {
      const stdin = Object.assign(new PassThrough(), { isTTY: tty });
      stdin.end(answer);
      const err = new PassThrough();
      return { ctx: { stdin, stdout: new PassThrough(), stderr: err, env: {} }, err };
    };
    it('takes y or yes from a terminal, anything else as no', async () => {
      expect(await confirm(ctx(true, 'y\n').ctx, 'Go?', '--yes')).to.equal(true);
      expect(await confirm(ctx(true, 'YES\n').ctx, 'Go?', '--yes')).to.equal(true);
      expect(await confirm(ctx(true, '\n').ctx, 'Go?', '--yes')).to.equal(false);
      const { ctx: c, err } = ctx(true, 'nope\n');
      expect(await confirm(c, 'Go?', '--yes')).to.equal(false);
      expect(String(err.read())).to.equal('Go? [y/N] ');
    });
    it('refuses to ask when stdin is not a terminal, naming the flag', async () => {
      const e = await confirm(ctx(false, 'y\n').ctx, 'Go?', '--yes').then(() => undefined, (x: unknown) => x as Error & { code: string; hint: string });
      expect(e?.code).to.equal('RACKER_E_NOT_CONFIRMED');
      expect(e?.hint).to.match(/pass --yes/);
    });
  });
});
