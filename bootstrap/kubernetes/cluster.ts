/**
 * The agent's side of forming the cluster: wait until the API answers and every node is Ready,
 * talking to the API with the admin credentials the agent minted (mutual TLS against the cluster
 * CA), then write the admin kubeconfig 0600 into the cluster's directory under the state directory.
 */
import { request } from 'node:https';
import { z } from 'zod';
import { stateFiles } from '../../agent/config/paths.js';
import { ErrorCodes, RackerError, errorMessage } from '../../agent/lib/errors.js';
import { writeFileAtomic } from '../../agent/lib/atomic-file.js';
import { parseJsonDocument } from '../../agent/lib/json-document.js';
import { waitUntil } from '../../agent/lib/backoff.js';
import type { Clock } from '../ports.js';
import { bootstrapToken, encryptForKubeadm, type ClusterSecrets } from './pki.js';

export interface KubeApi {
  /** Whether /readyz answers ok. */
  ready(): Promise<boolean>;
  nodes(): Promise<{ name: string; ready: boolean }[]>;
  /** Register a kubeadm bootstrap token for node joins (the Secret `kubeadm token create` makes), or renew its expiry. */
  createBootstrapToken(token: string, expires: Date): Promise<void>;
  /**
   * Share the control-plane keys with controllers joining under `certificateKey`, as
   * `kubeadm init phase upload-certs --upload-certs` does: the kubeadm-certs Secret, owned by a
   * token that expires at `expires` (the cluster then deletes both), readable by joining nodes.
   */
  uploadControlPlaneCerts(certificateKey: string, files: readonly { name: string; content: string }[], expires: Date): Promise<void>;
}

/** The group kubeadm's join tokens authenticate as; kubeadm's RBAC lets it read kubeadm-certs. */
const JOIN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
/** kubeadm's names for the shared certificates' Secret and the Role and RoleBinding that let joining nodes read it. */
export const KUBEADM_CERTS = { secret: 'kubeadm-certs', role: 'kubeadm:kubeadm-certs' } as const;

/** The part of the API's NodeList racker reads: each node's name and its Ready condition. */
const nodeListSchema = z.object({
  items: z.array(z.object({
    metadata: z.object({ name: z.string() }),
    status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).default([]) }).default({ conditions: [] }),
  })).default([]),
});

/** What racker reads of an object the API created: its name and uid (an owner reference needs both). */
const createdSchema = z.object({ metadata: z.object({ name: z.string(), uid: z.string() }) });

/**
 * A bootstrap-token Secret as kubeadm makes it (pure). A join token authenticates and signs;
 * `ownerOnly` makes the token kubeadm's upload-certs makes, which only carries an expiry that the
 * cluster's token cleaner enforces (and the kubeadm-certs Secret it owns goes with it).
 */
export function bootstrapTokenSecret(token: string, expires: Date, ownerOnly = false): object {
  const [id, secret] = token.split('.');
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  const usages = ownerOnly ? {} : { 'usage-bootstrap-authentication': b64('true'), 'usage-bootstrap-signing': b64('true'), 'auth-extra-groups': b64(JOIN_GROUP) };
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id ?? ''}`, namespace: 'kube-system' },
    data: {
      'token-id': b64(id ?? ''), 'token-secret': b64(secret ?? ''), expiration: b64(expires.toISOString().replace(/\.\d{3}Z$/, 'Z')),
      ...usages,
      description: b64(ownerOnly ? 'racker: lifetime of the kubeadm-certs Secret' : 'racker: nodes joining in one bootstrap run'),
    },
  };
}

/** kubeadm's kubeadm-certs Secret: each shared file encrypted under the certificate key, owned by the expiring token Secret (pure but for the nonces). */
export function kubeadmCertsSecret(certificateKey: string, files: readonly { name: string; content: string }[], owner: { name: string; uid: string }): object {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: {
      name: KUBEADM_CERTS.secret, namespace: 'kube-system',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }],
    },
    data: Object.fromEntries(files.map((f) => [f.name.replace(/\//g, '-'), encryptForKubeadm(f.content, certificateKey).toString('base64')])),
  };
}

/** The Role and RoleBinding kubeadm's upload-certs makes: joining nodes may get kubeadm-certs, nothing else (pure). */
export function kubeadmCertsRbac(): { role: object; binding: object } {
  const metadata = { name: KUBEADM_CERTS.role, namespace: 'kube-system' };
  return {
    role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: [KUBEADM_CERTS.secret] }] },
    binding: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: KUBEADM_CERTS.role }, subjects: [{ kind: 'Group', name: JOIN_GROUP }] },
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
    const list = parseJsonDocument(r.body, nodeListSchema, { file: 'GET /api/v1/nodes', code: ErrorCodes.cluster, summary: 'the Kubernetes API\'s answer to GET /api/v1/nodes is not a node list racker can read' });
    return list.items.map((i) => ({ name: i.metadata.name, ready: i.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True') }));
  }

  async createBootstrapToken(token: string, expires: Date): Promise<void> {
    // Replaced when it exists: a job renews its token's expiry (kubernetes/join-credentials.ts).
    await this.createOrReplace('/api/v1/namespaces/kube-system/secrets', `bootstrap-token-${token.split('.')[0] ?? ''}`, bootstrapTokenSecret(token, expires), 'the join token');
  }

  async uploadControlPlaneCerts(certificateKey: string, files: readonly { name: string; content: string }[], expires: Date): Promise<void> {
    const owner = await this.create('/api/v1/namespaces/kube-system/secrets', bootstrapTokenSecret(bootstrapToken(), expires, true), 'the kubeadm-certs owner token');
    const { metadata: meta } = parseJsonDocument(owner, createdSchema, { file: 'POST /api/v1/namespaces/kube-system/secrets', code: ErrorCodes.cluster, secret: true, summary: 'the cluster answered the kubeadm-certs owner token without its name and uid' });
    await this.createOrReplace('/api/v1/namespaces/kube-system/secrets', KUBEADM_CERTS.secret, kubeadmCertsSecret(certificateKey, files, { name: meta.name, uid: meta.uid }), 'the control-plane certificates');
    const rbac = kubeadmCertsRbac();
    await this.createOrReplace('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', KUBEADM_CERTS.role, rbac.role, 'the kubeadm-certs Role');
    await this.createOrReplace('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', KUBEADM_CERTS.role, rbac.binding, 'the kubeadm-certs RoleBinding');
  }

  /** POST an object; returns the created object's JSON. */
  private async create(collection: string, obj: object, what: string): Promise<string> {
    const r = await this.get(collection, 'POST', JSON.stringify(obj));
    if (r.status !== 201) throw refused(what, `POST ${collection}`, r.status);
    return r.body;
  }

  /** POST an object, or PUT it over the one of that name (kubeadm's CreateOrUpdate). */
  private async createOrReplace(collection: string, name: string, obj: object, what: string): Promise<void> {
    const r = await this.get(collection, 'POST', JSON.stringify(obj));
    if (r.status === 201) return;
    if (r.status !== 409) throw refused(what, `POST ${collection}`, r.status);
    const path = `${collection}/${encodeURIComponent(name)}`;
    const u = await this.get(path, 'PUT', JSON.stringify(obj));
    if (u.status !== 200) throw refused(what, `PUT ${path}`, u.status);
  }
}

function refused(what: string, call: string, status: number): RackerError {
  return new RackerError(ErrorCodes.cluster, `the cluster refused ${what} (${call} answered HTTP ${status})`,
    { hint: 'check that the cluster is up and that the admin certificate in the cluster secrets still belongs to it' });
}

/** Wait for the API and for every expected node to be Ready; names the missing ones on timeout. */
export async function waitForCluster(api: KubeApi, expected: readonly string[], clock: Clock, timeoutMs: number, pollMs = 10_000, signal?: AbortSignal): Promise<void> {
  let last = 'the API never answered';
  const ready = await waitUntil(async () => {
    if (!(await api.ready())) return undefined;
    const nodes = await api.nodes().catch((e: unknown) => { last = `listing nodes failed: ${errorMessage(e)}`; return undefined; });
    if (nodes === undefined) return undefined;
    const up = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
    const missing = expected.filter((n) => !up.has(n));
    last = `not Ready: ${missing.join(', ')}`;
    return missing.length === 0 ? true : undefined;
  }, { intervalMs: pollMs, timeoutMs, signal, now: () => clock.now(), sleep: (ms) => new Promise<void>((resolve) => clock.setTimer(ms, resolve)) });
  if (ready === undefined) {
    throw new RackerError(ErrorCodes.cluster, `the Kubernetes cluster did not become ready within ${Math.round(timeoutMs / 1000)}s: ${last}`,
      { hint: 'check the CNI (bootstrap.kubernetes.cniManifest) and, on a controller, journalctl -u racker-kubeadm -u kubelet' });
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
