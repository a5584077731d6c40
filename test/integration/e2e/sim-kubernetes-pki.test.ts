/**
 * End to end, management node only (no QEMU: racker-sim --no-vm --agent systemd, so the servers are
 * ipmi_sim BMCs and the node is the systemd-nspawn container with the payload installed by
 * installer/extract): a Kubernetes bootstrap run through racker-agent.service exactly as shipped,
 * as far as it goes without kubeadm. The agent makes the cluster's PKI and the keys every
 * controller shares, copies the pinned sysext from a local directory into its assets, writes every
 * node's Ignition, checks the BMCs and powers the servers on; no server ever asks for DHCP (there is
 * no VM), so the run ends in the dhcp phase. Then the node's whole journal (every unit) must show no
 * EROFS/EACCES/SIGSYS (what the unit's sandbox would cause), and the secrets must be where the
 * unit lets the agent write, with owner-only modes.
 *
 * Not reached here: the admin kubeconfig, which the agent writes only once the cluster answers Ready
 * (it goes into the same 0700 cluster folder as secrets.json, with the same writer).
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { simSkipReason } from '../../lib/run-sim.js';
import { checkoutPayload } from '../../lib/sim-payload.js';
import { SimRack } from '../../lib/sim-rack.js';
import { writeSignedFlatcarStandIns } from '../../lib/installer-fixtures.js';
import { decodeDataSource } from '../../../bootstrap/ignition/builders.js';
import type { IgnitionConfig } from '../../../bootstrap/ignition/types.js';

const PROGRAMS = ['ipmi_sim', 'dnsmasq', 'sq', 'systemd-nspawn', 'mmdebstrap'];
const FLATCAR = '4081.2.0';
const K8S = 'v1.33.2';

/** Mode bits of a file in the node, as a string such as "600". */
async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

describe('end to end: the Kubernetes PKI, shared keys and sysext made by the systemd-managed agent (management node only, SLOW)', function () {
  this.timeout(900_000);
  const rack = new SimRack(`k8s${process.pid % 10000}`);
  let work = '';
  /** The test's files inside the node (read-only to the agent, like any site's mirror). */
  const SRV = '/srv/racker-test';
  const sysext = Buffer.from('stand-in Kubernetes sysext\n');

  before(async function () {
    if (await simSkipReason(PROGRAMS) !== undefined) this.skip();
    work = await mkdtemp(join(tmpdir(), 'racker-e2e-k8s-'));
    // The run's shared build of this checkout (test/lib/sim-payload.ts).
    await rack.create(['--no-vm', '--agent', 'systemd', '--nodes', '3', '--payload', await checkoutPayload()]);
    // A site's local mirror: Flatcar images signed with a throwaway key (the private key stays out
    // of the node), the sysext and a CNI manifest.
    const { images, cert } = await writeSignedFlatcarStandIns(work, FLATCAR);
    const srv = join(rack.root, SRV);
    await mkdir(join(srv, 'sysext'), { recursive: true });
    await cp(images, join(srv, 'flatcar'), { recursive: true });
    await cp(cert, join(srv, 'flatcar.cert.pgp'));
    await writeFile(join(srv, 'sysext', `kubernetes-${K8S}-x86-64.raw`), sysext);
    await writeFile(join(srv, 'cni.yaml'), 'kind: DaemonSet\n');
    // conf.yaml ships no sysext pin (the release step fills it): the site pins its copy itself.
    const configFile = join(rack.root, 'etc', 'racker', 'racker.yaml');
    const config = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    config.bootstrap = {
      flatcar: { version: FLATCAR, localDir: `${SRV}/flatcar`, signingKey: `${SRV}/flatcar.cert.pgp` },
      kubernetes: { version: K8S, sysextLocalDir: `${SRV}/sysext`, sysextSha256: createHash('sha256').update(sysext).digest('hex'), cniManifest: `${SRV}/cni.yaml` },
      // No VM answers: the dhcp phase gives up at once (after its escalations, each a power cycle).
      deadlines: { dhcpSeconds: 1 },
    };
    await writeFile(configFile, stringify(config));
    const reload = await rack.exec('systemctl', 'reload', 'racker-agent');
    expect(reload.code, reload.stderr).to.equal(0);
  });
  after(async () => {
    await rack.destroy();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('makes the PKI, the shared control-plane keys, the Ignition and the cached sysext where the shipped unit lets it, owner-only, with no EROFS/EACCES/SIGSYS in the node\'s journal', async () => {
    const since = (await rack.exec('date', '+%Y-%m-%d %H:%M:%S')).stdout.trim();
    const r = await rack.exec('racker', 'bootstrap', '--yes', '--provision', 'kubernetes', '--controllers', '1', '--controller-type', 'any',
      '--ssh-key', '', '--on-failure', 'cancel');
    // Every unit's journal (the agent, dnsmasq, systemd itself) since the run started.
    expect(await rack.sandboxDenials('--since', since)).to.deep.equal([]);
    const journal = await rack.exec('journalctl', '--no-pager', '-o', 'cat', '--since', since);
    expect(journal.stdout, `the agent logged the failed run (the journal is not read empty by mistake): ${journal.stdout.slice(-3000)}`).to.contain('node-02');
    // As far as it goes without servers: the BMCs answered and powered on, then no DHCP request came.
    const out = `${r.stdout}${r.stderr}`;
    expect(r.code, out).to.equal(1);
    // Whichever server's dhcp deadline passes first fails the job (--on-failure cancel) and the
    // others are cancelled: which one is a race, so any of the three may be named.
    expect(out, out).to.match(/node-0[234] \([0-9a-f:]+\) failed in phase dhcp/).and.not.match(/failed in phase bmc-check/);

    const state = join(rack.root, 'var', 'lib', 'racker');
    const cluster = join(state, 'kubernetes', 'racker');
    expect(await mode(join(state, 'kubernetes')), 'the clusters folder').to.equal('700');
    expect(await mode(cluster), 'the cluster folder').to.equal('700');
    expect(await mode(join(cluster, 'secrets.json'))).to.equal('600');
    const secrets = JSON.parse(await readFile(join(cluster, 'secrets.json'), 'utf8')) as { caKey: string; adminKey: string; controlPlane?: Record<string, string> };
    expect(secrets.caKey).to.contain('PRIVATE KEY');
    expect(Object.keys(secrets.controlPlane ?? {}).sort()).to.deep.equal(['etcdCaCert', 'etcdCaKey', 'frontProxyCaCert', 'frontProxyCaKey', 'saKey', 'saPub']);
    // The job's join credentials, owner-only too; no work folder of the key generation is left behind.
    expect(await mode(join(cluster, 'join.json'))).to.equal('600');
    expect((await readdir(cluster)).sort()).to.deep.equal(['join.json', 'secrets.json']);

    // The sysext, verified and cached in the assets (served to the nodes, so readable by design).
    const cached = join(state, 'matchbox', 'assets', 'kubernetes', K8S, `kubernetes-${K8S}-x86-64.raw`);
    expect(await readFile(cached)).to.deep.equal(sysext);

    // The first controller's Ignition carries the shared keys: the file, and every Ignition, is owner-only.
    const ignDir = join(state, 'matchbox', 'ignition');
    const [first] = await rack.nodes();
    const ign = JSON.parse(await readFile(join(ignDir, `racker-installed-${first?.mac.replace(/:/g, '')}.ign`), 'utf8')) as IgnitionConfig;
    const files = ign.storage?.files ?? [];
    expect(decodeDataSource(files.find((f) => f.path === '/etc/kubernetes/pki/sa.key')?.contents)).to.equal(secrets.controlPlane?.saKey);
    for (const f of await readdir(ignDir)) expect(Number.parseInt(await mode(join(ignDir, f)), 8) & 0o077, `${f} mode`).to.equal(0);

  });
});
