/**
 * The real agent (bin/racker agent, with its default boot worker) on a fake rack, its boot service
 * on 127.0.0.1, under 1,000 hostile loopback connections from 100 addresses that never read:
 * pipelined GETs, GETs trickled a few at a time, downloads of a 64 MiB asset, half-sent heads. The agent's own figures
 * (racker_boot_connections, racker_boot_connections_closed) must show its bounds holding, the
 * agent's and its worker's resident memory must grow by at most 64 MiB (measured figures and
 * nginx's under the same clients: bench/boot-load), and a well-behaved node must still get its
 * /ipxe and Ignition meanwhile.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { freePort, isReady, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { http } from '../../lib/http-client.js';
import { startHostileClients, treeRss, type HostileKind, type HostileRun } from '../../lib/hostile-clients.js';

const MiB = 1024 * 1024;
const IGNITION = JSON.stringify({
  ignition: { version: '3.3.0' },
  storage: { files: [{ path: '/etc/motd', contents: { source: `data:,${'racker%20'.repeat(400)}` } }] },
});

/** racker_boot_connections* lines → { 'of="all"': n, 'reason="idle"': n, … }. */
async function bootFigures(metricsPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^racker_boot_connections(?:_closed)?\{([^}]*)\} (\d+)$/gm)) out[m[1] as string] = Number(m[2]);
  return out;
}

async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('boot service under 1,000 hostile clients (real agent process)', function () {
  this.timeout(180_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: AgentProcess | undefined;
  let hostile: HostileRun | undefined;
  let bootPort: number;
  let metricsPort: number;

  before(async () => {
    dir = await makeTempDir();
    bootPort = await freePort();
    metricsPort = await freePort();
    rack = await writeFakeRack(dir, {
      configYaml: `agent:\n  metricsPort: ${metricsPort}\n`,
      // The defaults but a short idle timeout, so the never-reading downloads are cut within the test
      // (not too short: on a loaded machine a stalled worker could let it cut the well-behaved node).
      isolated: { bootPort, boot: '  idleTimeoutSeconds: 6\n  accessLog: false' },
    });
    const data = join(rack.stateDir, 'matchbox');
    for (const d of ['groups', 'profiles', 'ignition', 'assets']) await mkdir(join(data, d), { recursive: true });
    await writeFile(join(data, 'groups', 'default.json'), JSON.stringify({ id: 'default', profile: 'node' }));
    await writeFile(join(data, 'profiles', 'node.json'), JSON.stringify({
      id: 'node', ignition_id: 'node.ign', boot: { kernel: '/assets/big.bin', initrd: [], args: ['flatcar.first_boot=yes'] },
    }));
    await writeFile(join(data, 'ignition', 'node.ign'), IGNITION);
    await writeFile(join(data, 'assets', 'big.bin'), '');
    await truncate(join(data, 'assets', 'big.bin'), 64 * MiB); // sparse: no disk used
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady, 60_000);
  });

  after(async () => {
    hostile?.stop();
    await agent?.kill('SIGKILL');
    await removeTempDir(dir);
  });

  it('keeps its connections and memory bounded and still serves a well-behaved node', async () => {
    const pid = agent?.child.pid as number;
    const rss = (): number => treeRss(pid, (p) => readFileSync(p, 'utf8'));
    // Warm up every path once (modules, buffers, the worker's heap), then take the baseline.
    for (let i = 0; i < 4; i++) {
      expect((await http({ port: bootPort, path: '/ipxe?uuid=warm' })).status).to.equal(200);
      expect((await http({ port: bootPort, path: '/ignition?uuid=warm' })).status).to.equal(200);
      expect((await http({ port: bootPort, path: '/assets/big.bin', headers: { Range: 'bytes=0-4194303' } })).status).to.equal(206);
    }
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 50);
    try {
      hostile = startHostileClients({
        port: bootPort, connections: 1000, addresses: 100, pipelinePath: '/ignition?uuid=hostile', downloadPath: '/assets/big.bin', pipelineBytes: 1 * MiB,
        kinds: process.env.HOSTILE_KINDS?.split(',') as HostileKind[] | undefined,
      });
      await hostile.settled;
      const during = await bootFigures(metricsPort);

      // A node from an address of its own gets its boot script and its Ignition meanwhile.
      const ipxe = await http({ port: bootPort, path: '/ipxe?uuid=node-1', localAddress: '127.0.0.1' });
      expect(ipxe.status).to.equal(200);
      expect(ipxe.text).to.include('kernel /assets/big.bin');
      const ign = await http({ port: bootPort, path: '/ignition?uuid=node-1', localAddress: '127.0.0.1' });
      expect(ign.status).to.equal(200);
      expect((JSON.parse(ign.text) as { storage: { files: { path: string }[] } }).storage.files[0]?.path).to.equal('/etc/motd');

      // The never-reading connections are cut (buffered answers, then the idle timeout).
      await until('the hostile connections to be closed', async () => (await bootFigures(metricsPort))['of="all"'] === 0);
      const after = await bootFigures(metricsPort);
      peak = Math.max(peak, rss());
      const growth = peak - before;
      console.log(`      agent + worker RSS: ${(before / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(1)} MiB); during: ${JSON.stringify(during)}; after: ${JSON.stringify(after)}`);
      expect(during['of="all"'], 'open connections').to.be.at.most(128); // boot.maxConnections
      expect(during['of="largest-client"'], 'connections of one address').to.be.at.most(16); // boot.maxConnectionsPerClient
      expect((after['reason="refused"'] ?? 0) + (after['reason="evicted"'] ?? 0), 'refused or evicted beyond the cap').to.be.greaterThan(0);
      // Tricklers' writes arrive together when the agent is busy, so either reason may cut them
      // (robustness.test.ts sees each on its own).
      expect(after['reason="pipelined"'], 'pipeliners cut for sending requests at once').to.be.greaterThan(0);
      expect(after['reason="idle"'], 'never-reading downloads cut by the idle timeout').to.be.greaterThan(0);
      expect(growth, 'RSS growth of the agent and its worker').to.be.at.most(64 * MiB);
    } finally {
      clearInterval(sampler);
      hostile?.stop();
    }
    // And it still answers once the flood is over.
    expect((await http({ port: bootPort, path: '/ipxe?uuid=node-2' })).status).to.equal(200);
  });
});
