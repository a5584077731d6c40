/**
 * Retransmission against real loss: ipmi_sim and the native client both run inside a network
 * namespace whose loopback drops a fifth of the BMC's datagrams each way. Before the
 * retransmission interval was capped, 1 run in 15 failed at 30 %: an exchange spent its 20 s
 * budget in 8 attempts. With the cap, 1 run in 40 failed at 25 % (0 in 15 at 30 %): 11 attempts
 * (retries: 10, the most bmc.retries allows) each lost with p = 1 - 0.75² ≈ 0.44 fail one exchange
 * in ~9000, and a run has ~100; at 20 % that is one exchange in ~75000.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { IpmiSim, SIM_PASSWORD, SIM_USER, stopAllSims } from '../../lib/ipmi-sim.js';
import { addLoss, createNetns, netnsUnavailable, type Netns } from '../../lib/lossy-netns.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { repoRoot } from '../../lib/paths.js';
import type { ProbeJob, ProbeResult } from '../../lib/bmc-probe.js';

function runProbe(netns: string, job: ProbeJob): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, join(repoRoot, 'dist', 'test', 'lib', 'bmc-probe.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`probe exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as ProbeResult);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

describe('native IPMI client under packet loss', function () {
  this.timeout(120_000);
  let ns: Netns | undefined;
  let dir: string | undefined;

  before(async function () {
    const why = await netnsUnavailable();
    if (why !== undefined) this.skip();
    dir = await makeTempDir('racker-bmc-loss-');
    ns = await createNetns('bmcloss');
  });

  after(async () => {
    await stopAllSims();
    await ns?.remove();
    await removeTempDir(dir);
  });

  it('completes every operation by retransmitting', async () => {
    const port = 623;
    const sim = await IpmiSim.start({ dir: dir as string, lans: [{ address: '127.0.0.1', port }], netns: ns?.name });
    await addLoss(ns as Netns, 20, port);
    const result = await runProbe((ns as Netns).name, {
      target: { node: 'lossy', address: '127.0.0.1', port, user: SIM_USER, password: SIM_PASSWORD },
      options: { cipherSuites: [3], timeoutMs: 20_000, retries: 10, retransmitMs: 100, minCommandIntervalMs: 0, keepAliveMs: 0 },
      ops: ['power', 'pxe', 'sensors', 'power', 'power', 'pxe', 'power', 'sensors'],
    });
    const failed = result.results.filter((r) => !r.ok);
    expect(failed, `${JSON.stringify(failed)}\n${result.log.slice(-40).join('\n')}\nipmi_sim:\n${sim.log.replace(/\r/g, '')}`).to.deep.equal([]);
    const retransmissions = result.log.filter((l) => l.includes('retransmitting')).length;
    expect(retransmissions, `loss injected with ${ns?.loss}`).to.be.greaterThan(0);
  });
});
