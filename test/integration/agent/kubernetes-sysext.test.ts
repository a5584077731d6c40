/**
 * The Kubernetes system extension through the product as it is composed: `racker agent` as a
 * process on a fake rack (boot service on 127.0.0.1, BMCs on a closed loopback port, so every
 * node fails its BMC check and nothing leaves loopback) takes two `racker bootstrap` runs. The
 * first fetches the stand-in sysext from a loopback upstream once, the second takes it from the
 * cache; the agent's boot service serves it, and the nodes' installed Ignition names the agent's
 * URL with the pinned digest (ignition-validate passes).
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { freePort, isReady, runRacker, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { writeSignedFlatcarStandIns } from '../../lib/installer-fixtures.js';
import { http } from '../../lib/http-client.js';
import { ignitionValidate } from '../../lib/ignition-validate.js';
import type { IgnitionConfig } from '../../../bootstrap/ignition/types.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example';
const FLATCAR = '4081.2.0';
const K8S = 'v1.33.2';
const FILE = `kubernetes-${K8S}-x86-64.raw`;

describe('racker agent: the Kubernetes sysext fetched once, served to the nodes with its digest', function () {
  this.timeout(240_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: AgentProcess | undefined;
  let upstream: Server | undefined;
  const fetched: string[] = [];
  let bootPort = 0;
  const sysext = randomBytes(2 * 1024 * 1024);
  const digest = createHash('sha256').update(sysext).digest('hex');

  before(async () => {
    dir = await makeTempDir('racker-agent-sysext-');
    upstream = createServer((req, res) => {
      fetched.push(req.url ?? '');
      if (req.url === `/ext/${FILE}`) res.end(sysext);
      else { res.statusCode = 404; res.end(); }
    });
    await new Promise<void>((r) => upstream?.listen(0, '127.0.0.1', r));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    // Flatcar stand-ins for bootstrap.flatcar.localDir, signed with a throwaway key.
    const { images, cert: flatcarCert } = await writeSignedFlatcarStandIns(dir, FLATCAR);
    await writeFile(join(dir, 'cni.yaml'), 'kind: DaemonSet\n');
    bootPort = await freePort();
    rack = await writeFakeRack(join(dir, 'rack'), {
      isolated: { bootPort },
      configYaml: `agent:\n  metricsPort: 0\nbootstrap:\n  flatcar:\n    version: ${FLATCAR}\n    localDir: ${images}\n    signingKey: ${flatcarCert}\n` +
        `  kubernetes:\n    version: ${K8S}\n    sysextUrl: http://127.0.0.1:${upstreamPort}/ext/kubernetes-{version}-x86-64.raw\n    sysextSha256: ${digest}\n    cniManifest: ${join(dir, 'cni.yaml')}\n` +
        '  deadlines:\n    bmcCheckSeconds: 1\n',
    });
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady, 60_000);
  });
  after(async () => {
    await agent?.kill('SIGTERM');
    await new Promise<void>((r) => { if (upstream) upstream.close(() => r()); else r(); });
    await removeTempDir(dir);
  });

  const bootstrap = () => runRacker(['bootstrap', '--yes', '--provision', 'kubernetes', '--controllers', '1', '--controller-type', 'purple', '--ssh-key', KEY, '--on-failure', 'cancel'], rack.env);

  it('fetches it for the first bootstrap only, serves it, and writes it into every node\'s Ignition with the agent\'s URL and the digest', async () => {
    const first = await bootstrap();
    // The BMCs are unreachable on purpose: the run fails at the BMC check, after the boot data is written.
    expect(first.code, first.stderr).to.equal(1);
    expect(`${first.stdout}${first.stderr}`).to.contain('bmc-check');
    expect(fetched).to.deep.equal([`/ext/${FILE}`]);

    const served = await http({ port: bootPort, path: `/assets/kubernetes/${K8S}/${FILE}` });
    expect([served.status, createHash('sha256').update(served.body).digest('hex')]).to.deep.equal([200, digest]);

    const ignDir = join(rack.stateDir, 'matchbox', 'ignition');
    const installed = (await readdir(ignDir)).filter((n) => n.startsWith('racker-installed-'));
    expect(installed).to.have.length(3);
    for (const name of installed) {
      const ign = JSON.parse(await readFile(join(ignDir, name), 'utf8')) as IgnitionConfig;
      const file = ign.storage?.files?.find((f) => f.path.endsWith(FILE));
      expect(file?.contents, name).to.deep.equal({ source: `http://172.24.213.1:${bootPort}/assets/kubernetes/${K8S}/${FILE}`, verification: { hash: `sha256-${digest}` } });
      const v = await ignitionValidate(dir as string, name, ign);
      expect(v, v.output).to.deep.equal({ code: 0, output: '' });
    }

    const second = await bootstrap();
    expect(second.code, second.stderr).to.equal(1);
    expect(fetched, 'the second bootstrap fetched nothing').to.deep.equal([`/ext/${FILE}`]);
  });
});
