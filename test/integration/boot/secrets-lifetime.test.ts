/**
 * The installed system's Ignition carries the node's phone-home token and, for the first
 * Kubernetes controller, the cluster's CA key. Written through the bootstrap's FileBootStore and
 * served by the real boot service to the node's reserved address, it is served until the node is
 * ready; then the state machine retires the stage (retireStage, checked in
 * test/unit/bootstrap/runner.test.ts) and the node's own request gets neither.
 */
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';
import { fakePlan, defaultDisk } from '../../lib/bootstrap-fixtures.js';
import { FileBootStore } from '../../../bootstrap/file-boot-store.js';
import { endpoints } from '../../../bootstrap/endpoints.js';
import { installGroupId, installedGroupId, nodeBootData, retireStage, writeNodeBootData } from '../../../bootstrap/groups-profiles.js';
import { installConfig } from '../../../bootstrap/ignition/install.js';
import { installedConfig } from '../../../bootstrap/ignition/installed.js';
import { kubernetesPart } from '../../../bootstrap/kubernetes/kubeadm.js';
import { activeNodes } from '../../../bootstrap/plan.js';

const TOKEN = 'tok-secret-0123456789abcdef';
const CA_KEY = '-----BEGIN PRIVATE KEY-----\nracker-test-ca-key\n-----END PRIVATE KEY-----\n';

describe('secrets in the installed Ignition are served until the node is ready', function () {
  let b: BootHarness;
  const plan = fakePlan(['a', 'a'], { provision: 'kubernetes', controllers: 1, controllerType: 'a' });
  const node = activeNodes(plan).find((n) => n.initController);
  if (node === undefined) throw new Error('fixture: no first controller');

  before(async () => {
    // The node's reserved address is 127.0.0.2 here (its plan address is not on loopback).
    b = await startBoot({ access: { reserved: [[node.mac, '127.0.0.2']] } });
  });
  after(async () => { await b?.stop(); });

  const installed = () => http({ port: b.port, path: `/ignition?mac=${node.mac}&os=installed`, localAddress: '127.0.0.2' });

  it('serves the token and the CA key to the first controller, and neither once its stage is retired', async () => {
    const ep = endpoints('127.0.0.1', b.port);
    const secrets = { token: 'abcdef.0123456789abcdef', certificateKey: 'ab'.repeat(32), caCert: 'CA CERT', caKey: CA_KEY, caCertHash: 'sha256:00' };
    const kube = { plan, secrets, settings: { version: 'v1.30.0', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' }, sysext: { url: `${ep.base}/assets/kubernetes/v1.30.0/kubernetes-v1.30.0-x86-64.raw`, sha256: '0'.repeat(64) }, cniManifest: undefined, manifests: [] };
    const install = { flatcarVersion: '4081.2.0', console: [], kernelArgs: [], disk: defaultDisk(8), rebootDelaySeconds: 15 };
    const store = new FileBootStore(b.dataDir);
    const reloaded = b.nextReload();
    await writeNodeBootData(store, nodeBootData(node, ep, { flatcarVersion: '4081.2.0', console: [], kernelArgs: [] },
      installConfig(plan, ep, node, TOKEN, install), installedConfig(plan, ep, node, TOKEN, { kubernetes: kubernetesPart(node, kube) })));
    await reloaded;
    const booted = b.nextReload();
    await retireStage(store, installGroupId(node.mac)); // what the state machine does when it sets the disk boot
    await booted;

    const before = await installed();
    expect(before.status).to.equal(200);
    expect(decodeURIComponent(before.text)).to.include(`Bearer ${TOKEN}`).and.include('/etc/kubernetes/pki/ca.key');

    const gone = b.nextReload();
    await retireStage(store, installedGroupId(node.mac)); // what the state machine does when the node reports ready
    await gone;
    const after = await installed();
    expect(decodeURIComponent(after.text)).to.not.include(TOKEN).and.not.include('ca.key').and.not.include('racker-test-ca-key');
    expect(after.status).to.equal(404);
    // Nor is it kept on disk.
    const files = await readdir(join(b.dataDir, 'ignition'));
    expect(files).to.not.include(`${installedGroupId(node.mac)}.ign`);
  });
});
