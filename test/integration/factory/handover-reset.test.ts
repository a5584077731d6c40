/**
 * Journey 6, the hand-over: the rack's real components write what a bootstrap leaves (the address
 * plan and node state from the inventory and the state store, the event log, dnsmasq's files with
 * a lease, phone-home tokens, Ignition carrying them, Kubernetes PKI and the admin kubeconfig, the
 * saved answers), then `racker factory reset --nodes --yes` runs as the real binary. Afterwards
 * not one secret or MAC of that rack is left anywhere in the state and configuration trees, and the
 * plan it printed named exactly what it removed and what it kept.
 */
import { expect } from 'chai';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../../agent/config/load.js';
import { bootDataDirs, etcFiles, stateFiles } from '../../../agent/config/paths.js';
import { loadInventory, persistAddressPlan } from '../../../agent/inventory/inventory.js';
import { NodeTokens } from '../../../agent/boot/phone-home.js';
import { TokenStore } from '../../../agent/daemon/wiring/token-store.js';
import { DnsmasqSupervisor } from '../../../agent/dhcp/supervisor.js';
import { dnsmasqPlan } from '../../../agent/dhcp/render-config.js';
import { EventLog } from '../../../agent/state/event-log.js';
import { StateStore } from '../../../agent/state/state-store.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { exec } from '../../../agent/lib/exec.js';
import { FileBootStore } from '../../../bootstrap/file-boot-store.js';
import { ensureClusterSecrets, renderKubeconfig } from '../../../bootstrap/kubernetes/pki.js';
import { writeKubeconfig } from '../../../bootstrap/kubernetes/cluster.js';
import { saveAnswers, type Answers } from '../../../bootstrap/answers.js';
import { FakeDnsmasqRunner } from '../../lib/fake-dnsmasq-runner.js';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { racker } from '../../lib/paths.js';

/** Every file under dir (recursively) whose content contains needle. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (await readFile(p, 'latin1')).includes(needle)) hits.push(p);
    }
  };
  await walk(dir);
  return hits;
}

describe('racker factory reset --nodes: the hand-over leaves nothing of the previous rack', function () {
  this.timeout(120_000);
  let dir: string;
  let rack: FakeRack;
  beforeEach(async () => {
    dir = await makeTempDir();
    rack = await writeFakeRack(join(dir, 'rack'));
  });
  afterEach(async () => { await removeTempDir(dir); });

  it('removes node state, boot data, tokens, leases, reservations, PKI, kubeconfig and answers; keeps the machine\'s files', async () => {
    const config = await loadConfig({ flag: rack.configPath });
    const { inventory } = await loadInventory(config);
    const macs = inventory.workers.map((n) => n.primaryMac);
    const log = silentLogger();

    // What a bootstrap leaves, written by the components that write it in the agent.
    await persistAddressPlan(config, inventory);
    const events = new EventLog({ dir: config.paths.stateDir, maxBytes: 1 << 20, keep: 2, log });
    const store = new StateStore({ stateDir: config.paths.stateDir, events, log });
    await store.start(new AbortController().signal);
    store.syncInventory(inventory.workers, () => 'ipmi');
    for (const m of macs) store.setPhase(m, 'provisioned', { message: `node ${m} reported ready` });
    await store.persisted();
    await store.stop();
    const files = stateFiles(config.paths.stateDir);
    await chmod(dir, 0o755);
    const runner = new FakeDnsmasqRunner(files.dhcp.reservations);
    const dhcp = new DnsmasqSupervisor({ dhcp: config.dhcp, stateDir: config.paths.stateDir, plan: dnsmasqPlan(inventory, config), runner, log, flushMs: 5, stableMs: 60_000, leasePollMs: 60_000 });
    await dhcp.start(new AbortController().signal);
    await dhcp.stop();
    await writeFile(files.dhcp.leases, macs.map((m, i) => `0 ${m} 172.24.213.${i + 2} node *\n`).join(''));
    const tokens = new TokenStore(config.paths.stateDir, new NodeTokens());
    const secrets: string[] = [];
    const boot = new FileBootStore(bootDataDirs(config.paths, config.boot).dataDir);
    for (const [i, m] of macs.entries()) {
      const token = await tokens.tokenFor(m, { job: 'j1', address: `172.24.213.${i + 2}` });
      secrets.push(token);
      await boot.putIgnition(`install-${m.replace(/:/g, '')}.ign`, JSON.stringify({ token }));
      await boot.putGroup({ id: `install-${m.replace(/:/g, '')}`, profile: 'install', selector: { mac: m } });
    }
    await boot.putProfile({ id: 'install', ignition_id: 'install.ign', boot: { kernel: '/assets/k', initrd: [], args: [] } });
    // Where the agent keeps them (join tokens are made per run and live only in the boot data above).
    const pki = await ensureClusterSecrets(files.cluster('prod'));
    secrets.push(pki.caKey.split('\n')[1] as string, pki.adminKey.split('\n')[1] as string);
    await writeKubeconfig(config.paths.stateDir, 'prod', renderKubeconfig('prod', 'https://172.24.213.2:6443', pki));
    secrets.push(Buffer.from(pki.adminKey).toString('base64').slice(0, 40));
    const answers: Answers = { provision: 'kubernetes', clusterName: 'prod', controllers: 1, controllerType: 'any', publicAddressing: 'dhcp', domain: 'rack.localdomain', internalSubnet: config.network.subnet, sshKeys: [] };
    await saveAnswers(etcFiles(config.paths.etcDir).answers, answers);
    // The machine's own files, which stay.
    const assets = bootDataDirs(config.paths, config.boot).assetsDir as string;
    await mkdir(assets, { recursive: true });
    await writeFile(join(assets, 'flatcar_production_pxe.vmlinuz'), 'kernel');
    await mkdir(etcFiles(config.paths.etcDir).sshDir);
    await writeFile(etcFiles(config.paths.etcDir).sshPublicKey, 'ssh-ed25519 AAAA racker\n');
    await writeFile(files.versionMarker, '0.1.0\n');

    // The state tree really holds every secret before the reset (so the search below can find them).
    for (const s of secrets) expect(await filesContaining(rack.root, s), s).to.not.deep.equal([]);

    const r = await exec(process.execPath, [racker, 'factory', 'reset', '--nodes', '--yes'], { env: { RACKER_CONFIG: rack.configPath }, okExitCodes: [0, 1, 2], timeoutMs: 60_000 });
    expect(r.exitCode, r.stderr).to.equal(0);
    const removed = [files.stateDoc, join(config.paths.stateDir, 'events.ndjson'), files.addressPlan, files.phoneHomeTokens, files.dhcpDir,
      ...['groups', 'profiles', 'ignition'].map((f) => join(bootDataDirs(config.paths, config.boot).dataDir, f)),
      etcFiles(config.paths.etcDir).answers, files.kubernetesDir];
    for (const p of removed) expect(r.stdout, p).to.include(`  remove ${p}: `);
    for (const p of [assets, etcFiles(config.paths.etcDir).sshDir, etcFiles(config.paths.etcDir).config, files.versionMarker]) expect(r.stdout, p).to.match(new RegExp(`and keep:[\\s\\S]*  ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    for (const p of removed) expect(await stat(p).then(() => 'exists', () => 'gone'), p).to.equal('gone');

    // Not one secret of the previous rack, and none of its node MACs, anywhere in either tree.
    for (const tree of [config.paths.stateDir, config.paths.etcDir]) {
      for (const s of secrets) expect(await filesContaining(tree, s), `a secret left in ${tree}`).to.deep.equal([]);
      for (const m of macs) expect(await filesContaining(tree, m), `${m} left in ${tree}`).to.deep.equal([]);
    }
    expect(await readFile(join(assets, 'flatcar_production_pxe.vmlinuz'), 'utf8')).to.equal('kernel');
    expect(await readFile(files.versionMarker, 'utf8')).to.equal('0.1.0\n');
  });
});
