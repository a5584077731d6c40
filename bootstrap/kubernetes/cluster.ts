/**
 * The agent's side of forming the cluster: wait until the API answers and every node is Ready,
 * talking to the API with the admin credentials the agent minted (mutual TLS against the cluster
 * CA), then write the admin kubeconfig 0600 into the cluster's directory under the state directory.
 */
import { request } from 'node:https';
import { stateFiles } from '../../agent/config/paths.js';
import { ErrorCodes, RackerError, errorMessage } from '../../agent/lib/errors.js';
import { writeFileAtomic } from '../../agent/lib/atomic-file.js';
import type { Clock } from '../ports.js';
import type { ClusterSecrets } from './pki.js';

export interface KubeApi {
  /** Whether /readyz answers ok. */
  ready(): Promise<boolean>;
  nodes(): Promise<{ name: string; ready: boolean }[]>;
  /** Register a kubeadm bootstrap token for node joins (the Secret `kubeadm token create` makes). */
  createBootstrapToken(token: string, expires: Date): Promise<void>;
}

/** The Secret kubeadm's bootstrap-token authenticator reads, as `kubeadm token create` makes it (pure). */
export function bootstrapTokenSecret(token: string, expires: Date): object {
  const [id, secret] = token.split('.');
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id ?? ''}`, namespace: 'kube-system' },
    data: {
      'token-id': b64(id ?? ''), 'token-secret': b64(secret ?? ''), expiration: b64(expires.toISOString().replace(/\.\d{3}Z$/, 'Z')),
      'usage-bootstrap-authentication': b64('true'), 'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64('system:bootstrappers:kubeadm:default-node-token'),
      description: b64('racker: nodes joining in one bootstrap run'),
    },
  };
}

/** The API over HTTPS with client certificates; never skips server verification. */
export class HttpsKubeApi implements KubeApi {
  constructor(private readonly server: string, private readonly s: Pick<ClusterSecrets, 'caCert' | 'adminCert' | 'adminKey'>, private readonly servername?: string) {}

  private get(path: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.server);
    return new Promise((resolve, reject) => {
      const headers = body === undefined ? undefined : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const req = request(url, { method, headers, ca: this.s.caCert, cert: this.s.adminCert, key: this.s.adminKey, servername: this.servername, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  async ready(): Promise<boolean> {
    try {
      const r = await this.get('/readyz');
      return r.status === 200 && r.body.trim() === 'ok';
    } catch {
      return false; // not up yet: the caller waits and asks again
    }
  }

  async nodes(): Promise<{ name: string; ready: boolean }[]> {
    const r = await this.get('/api/v1/nodes');
    if (r.status !== 200) throw new Error(`GET /api/v1/nodes answered HTTP ${r.status}`);
    const list = JSON.parse(r.body) as { items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[] };
    return (list.items ?? []).map((i) => ({
      name: i.metadata?.name ?? '',
      ready: (i.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    }));
  }

  async createBootstrapToken(token: string, expires: Date): Promise<void> {
    const r = await this.get('/api/v1/namespaces/kube-system/secrets', 'POST', JSON.stringify(bootstrapTokenSecret(token, expires)));
    if (r.status !== 201) {
      throw new RackerError(ErrorCodes.cluster, `the cluster refused the join token (POST kube-system secrets answered HTTP ${r.status})`,
        { hint: 'check that the cluster is up and that the admin certificate in the cluster secrets still belongs to it' });
    }
  }
}

/** Wait for the API and for every expected node to be Ready; names the missing ones on timeout. */
export async function waitForCluster(api: KubeApi, expected: readonly string[], clock: Clock, timeoutMs: number, pollMs = 10_000, signal?: AbortSignal): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  let last = 'the API never answered';
  for (;;) {
    signal?.throwIfAborted();
    if (await api.ready()) {
      const nodes = await api.nodes().catch((e: unknown) => { last = `listing nodes failed: ${errorMessage(e)}`; return undefined; });
      if (nodes !== undefined) {
        const ready = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
        const missing = expected.filter((n) => !ready.has(n));
        if (missing.length === 0) return;
        last = `not Ready: ${missing.join(', ')}`;
      }
    }
    if (clock.now() >= deadline) {
      throw new RackerError(ErrorCodes.cluster, `the Kubernetes cluster did not become ready within ${Math.round(timeoutMs / 1000)}s: ${last}`,
        { hint: 'check the CNI (bootstrap.kubernetes.cniManifest) and, on a controller, journalctl -u racker-kubeadm -u kubelet' });
    }
    await new Promise<void>((resolve) => clock.setTimer(pollMs, resolve));
  }
}

/** Where a cluster's files live (agent/config/paths.ts stateFiles: under the state directory, see there why). */
export function clusterDir(stateDir: string, clusterName: string): string {
  return stateFiles(stateDir).cluster(clusterName);
}

/** Write the admin kubeconfig 0600 into the cluster's directory; returns its path. */
export async function writeKubeconfig(stateDir: string, clusterName: string, text: string): Promise<string> {
  const path = stateFiles(stateDir).kubeconfig(clusterName);
  await writeFileAtomic(path, text, { mode: 0o600, mkdirs: true });
  return path;
}

export function kubeconfigUsage(path: string): string {
  return `The cluster is ready. Use it with:\n  export KUBECONFIG=${path}\n  kubectl get nodes`;
}
