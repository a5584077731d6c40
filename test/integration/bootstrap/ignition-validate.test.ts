import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { nodeConfigs } from '../../../bootstrap/node-configs.js';
import { endpoints } from '../../../bootstrap/endpoints.js';
import { parseInterface, type Interface } from '../../../bootstrap/ip.js';
import { butaneToIgnition } from '../../../bootstrap/ignition/butane.js';
import type { SnippetLibrary } from '../../../bootstrap/ignition/snippets.js';
import type { StaticAddressing } from '../../../bootstrap/static-addresses.js';
import type { Mac } from '../../../agent/lib/mac.js';
import { fakePlan, nodeMac, defaultDisk } from '../../lib/bootstrap-fixtures.js';
import { ignitionValidate } from '../../lib/ignition-validate.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { kubernetesPart } from '../../../bootstrap/kubernetes/kubeadm.js';
import { ensureClusterSecrets, freshJoinCredentials, type ClusterSecrets } from '../../../bootstrap/kubernetes/pki.js';
import { join } from 'node:path';

const iface = (s: string): Interface => parseInterface(s) as Interface;
const install = { flatcarVersion: '4081.2.0', console: ['console=tty0', 'console=ttyS1,115200n8'], kernelArgs: [], disk: defaultDisk(), rebootDelaySeconds: 15 };

function staticFor(rows: number): Map<Mac, StaticAddressing> {
  const m = new Map<Mac, StaticAddressing>();
  for (let r = 1; r <= rows; r++) {
    m.set(nodeMac(r, 2), { addresses: [iface(`203.0.113.${10 + r}/24`), iface(`2001:db8::${10 + r}/64`)], gateway4: '203.0.113.1', gateway6: '2001:db8::1', dns: ['203.0.113.53', '2001:db8::53'] });
  }
  return m;
}

const snippet = butaneToIgnition(`variant: flatcar
version: 1.1.0
storage:
  directories: [{ path: /opt/site, mode: 0755 }]
  links: [{ path: /etc/localtime, target: /usr/share/zoneinfo/UTC, overwrite: true }]
  files:
    - path: /etc/motd.d/site.conf
      contents: { inline: "managed by racker\\n" }
      append: [{ inline: "second line\\n" }]
systemd:
  units:
    - name: docker.service
      dropins: [{ name: 10-site.conf, contents: "[Service]\\nEnvironment=X=1\\n" }]
`, 'site.bu');
const snippets: SnippetLibrary = { problems: [], snippets: [{ scope: { kind: 'all' }, file: 'site.bu', config: snippet.config! }] };

describe('generated Ignition passes ignition-validate', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let secrets: ClusterSecrets;
  before(async () => {
    dir = await makeTempDir('racker-ign-');
    secrets = { ...await ensureClusterSecrets(join(dir, 'pki')), ...freshJoinCredentials() };
  });
  after(async () => { await removeTempDir(dir); });

  const cases: { name: string; provision: 'flatcar' | 'kubernetes'; addressing: 'dhcp' | 'static' }[] = [];
  for (const provision of ['flatcar', 'kubernetes'] as const) for (const addressing of ['dhcp', 'static'] as const) cases.push({ name: `${provision}-${addressing}`, provision, addressing });

  for (const c of cases) {
    it(`${c.name}: every role's installer and installed config`, async () => {
      expect(snippet.problems).to.deep.equal([]);
      const plan = fakePlan(['a', 'a', 'a', 'b'], { provision: c.provision, controllers: c.provision === 'kubernetes' ? 3 : undefined, controllerType: c.provision === 'kubernetes' ? 'a' : undefined,
        publicAddressing: c.addressing, staticAddressesFile: c.addressing === 'static' ? '/etc/racker/public.yaml' : undefined },
      { staticAddresses: c.addressing === 'static' ? staticFor(4) : undefined });
      const tokens = new Map(plan.nodes.map((n) => [n.mac, `token-${n.hostname}`] as const));
      // The sysext as the agent serves it, with a real digest's form (sysext.test.ts checks a served one end to end).
      const kube = { plan, secrets, settings: { version: 'v1.30.4', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
        sysext: { url: 'http://172.24.213.1:8080/assets/kubernetes/v1.30.4/kubernetes-v1.30.4-x86-64.raw', sha256: createHash('sha256').update('stand-in').digest('hex') },
        cniManifest: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: cni}\n'.repeat(400), manifests: [{ name: '10-app.yaml', content: 'kind: Namespace\n' }] };
      const configs = nodeConfigs({ plan, endpoints: endpoints('172.24.213.1', 8080), tokens, install, snippets,
        kubernetesPart: c.provision === 'kubernetes' ? (n) => kubernetesPart(n, kube) : undefined });
      const roles = new Set(configs.map((x) => `${x.node.role}${x.node.initController ? '-init' : ''}`));
      expect([...roles].sort()).to.deep.equal(c.provision === 'kubernetes' ? ['controller', 'controller-init', 'worker'] : ['node']);
      for (const x of configs) {
        for (const [kind, cfg] of [['install', x.install], ['installed', x.installed]] as const) {
          const r = await ignitionValidate(dir as string, `${c.name}-${x.node.hostname}-${kind}`, cfg);
          expect(r, `${c.name} ${x.node.hostname} ${kind}: ${r.output}`).to.deep.equal({ code: 0, output: '' });
        }
      }
    });
  }

  it('the oracle fails for a broken config (the test can fail)', async () => {
    const r = await ignitionValidate(dir as string, 'broken', { ignition: { version: '3.3.0' }, storage: { files: [{ path: 'relative/path' }] } });
    expect(r.code).to.not.equal(0);
  });
});
