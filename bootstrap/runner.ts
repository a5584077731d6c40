/**
 * A bootstrap from start to end, as the agent runs it for POST /v1/jobs: fetch and verify the
 * images, issue phone-home tokens, render every node's Ignition and write the groups, profiles and
 * Ignition through the boot store, run the job, and for Kubernetes wait for the cluster and write
 * the admin kubeconfig. Everything outside is a port, so the lead's adapters plug in here.
 */
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';
import { nodesNamed } from '../agent/inventory/node-ref.js';
import type { Config } from '../agent/config/schema.js';
import type { BmcFactsKeeper, BootControl, BootStore, Clock, FailureAsker, PhoneHomeTokens, ProgressObservations, StateSink } from './ports.js';
import { activeNodes, type BootstrapPlan, type PlannedNode } from './plan.js';
import { installDiskInput } from './disk-rules.js';
import { endpoints as endpointsFor } from './endpoints.js';
import { nodeConfigs } from './node-configs.js';
import { installGroupId, installedGroupId, installedOnly, nodeBootData, retireStage, writeNodeBootData } from './groups-profiles.js';
import { BootstrapJob, type JobNode } from './job.js';
import type { JobState } from './job-state.js';
import { deadlinesMs, phaseIndex } from './phases.js';
import type { BootstrapRequest } from './job-request.js';
import type { SnippetLibrary } from './ignition/snippets.js';
import { kubernetesPart, type KubernetesInputs } from './kubernetes/kubeadm.js';
import { freshJoinCredentials, renderKubeconfig, sharedControlPlaneFiles, type ClusterSecrets, type StoredClusterSecrets } from './kubernetes/pki.js';
import { waitForCluster, kubeconfigUsage, type KubeApi } from './kubernetes/cluster.js';
import { beforePowerOn, credentialsForJob, JoinCredentialsLease, type JoinCredentialsStore, type KeptJoinCredentials } from './kubernetes/join-credentials.js';

export interface RunnerPorts {
  control: BootControl;
  observations: ProgressObservations;
  store: BootStore;
  tokens: PhoneHomeTokens;
  sink: StateSink;
  clock: Clock;
  asker: FailureAsker | undefined;
  /** Keeps what a BMC check read about the server in the node's record; without it none is read. */
  keepBmcFacts?: BmcFactsKeeper;
  /** Make sure verified images of the configured version are served; returns the concrete version. */
  ensureAssets(): Promise<{ version: string }>;
  /** Kubernetes: the cluster's secrets (kubernetes/pki.ts ensureClusterSecrets); `forming`: kubeadm init runs in this bootstrap. */
  clusterSecrets?(o: { forming: boolean }): Promise<StoredClusterSecrets>;
  /** Kubernetes: make sure the pinned system extension is served (kubernetes/sysext.ts); its path below /assets/ and digest. */
  ensureSysext?(): Promise<{ assetPath: string; sha256: string }>;
  /** Kubernetes: CNI manifest and the manifests to apply, read from the configured paths. */
  kubernetesManifests?(): Promise<{ cni: string | undefined; manifests: { name: string; content: string }[] }>;
  /** Kubernetes: an API client for a server URL. */
  kubeApi?(server: string, secrets: ClusterSecrets): KubeApi;
  /** Kubernetes: store the admin kubeconfig (0600); returns where. */
  saveKubeconfig?(text: string): Promise<string>;
  /** Kubernetes: where the job's join credentials are kept, so a resumed job gives its nodes the same ones (kubernetes/join-credentials.ts). */
  joinCredentials?: JoinCredentialsStore;
}

export interface RunnerInput {
  id: string;
  config: Config;
  plan: BootstrapPlan;
  snippets: SnippetLibrary;
  request: BootstrapRequest;
  /** This job's last saved state when the agent resumes it after a restart (job.ts JobStart). */
  resumed?: JobState;
  /** Nodes an earlier job provisioned, from the agent's node records, with why they are skipped. */
  provisioned?: ReadonlyMap<string, string>;
  /** Nodes racker installed at some time (rerun.ts installedNodes): their installer may overwrite their disk. */
  installedBefore?: ReadonlySet<string>;
}

export interface RunnerResult {
  state: JobState;
  kubeconfig?: { path: string; usage: string };
}

/** --node tokens → primary MACs; each must name a planned node (inventory/node-ref.ts rules). */
export function selectNodes(plan: BootstrapPlan, tokens: readonly string[]): Set<string> | undefined {
  if (tokens.length === 0) return undefined;
  const out = new Set<string>();
  for (const t of tokens) {
    const n = nodesNamed(activeNodes(plan), t, (x) => ({ macs: [x.mac, x.bmcMac, x.secondaryMac], hostname: x.hostname, row: x.row }))[0];
    if (n === undefined) throw new RackerError(ErrorCodes.plan, `--node ${t} names no node being provisioned`, { hint: 'give a MAC or host name as racker bootstrap --dry-run lists them' });
    out.add(n.mac);
  }
  return out;
}

export async function runBootstrap(input: RunnerInput, ports: RunnerPorts, signal?: AbortSignal): Promise<RunnerResult> {
  const { config, plan, request } = input;
  const b = config.bootstrap;
  const kubernetes = plan.provision === 'kubernetes';
  const ep = endpointsFor(plan.managementAddress, config.boot.port);
  const nodes: JobNode[] = activeNodes(plan).map((n) => ({ mac: n.mac, bmcMac: n.bmcMac, bmcAddress: n.bmcAddress, hostname: n.hostname, essential: n.initController }));
  // Nodes joining a running cluster: their credentials are renewed, if they would lapse, before each power-on.
  let joinLease: { lease: JoinCredentialsLease; joining: ReadonlySet<string> } | undefined;
  const control = beforePowerOn(ports.control, async (n) => {
    if (joinLease?.joining.has(n.mac) === true) await joinLease.lease.ensure();
  });
  const job = new BootstrapJob(input.id, nodes, {
    parallelism: request.parallelism, powerOnIntervalMs: request.powerOnIntervalMs, onFailure: request.onFailure, retries: request.retries,
    deadlines: deadlinesMs(b.deadlines), efi: b.bootMode === 'efi', kubernetes, reprovision: request.reprovision, only: selectNodes(plan, request.nodes),
  }, { control, observations: ports.observations, store: ports.store, sink: ports.sink, clock: ports.clock, asker: ports.asker, bootBase: ep.base,
    ...(ports.keepBmcFacts === undefined ? {} : { keepBmcFacts: ports.keepBmcFacts }) },
  { resumed: input.resumed, provisioned: input.provisioned });

  const { version } = await ports.ensureAssets();
  const tokens = new Map<string, string>();
  for (const n of activeNodes(plan)) tokens.set(n.mac, await ports.tokens.tokenFor(n.mac, {
    // Bound to the node's reserved address, as its Ignition is, unless requests arrive through a proxy.
    job: input.id, address: config.boot.restrictIgnitionToNode ? n.internalAddress : undefined,
  }));
  const running = new Set(job.toRun.map((n) => n.mac as string));
  let secrets: ClusterSecrets | undefined;
  let credentials: KeptJoinCredentials | undefined;
  let kube: KubernetesInputs | undefined;
  if (kubernetes) {
    if (ports.clusterSecrets === undefined || ports.kubernetesManifests === undefined || ports.ensureSysext === undefined || ports.joinCredentials === undefined) throw new Error('Kubernetes ports are not wired');
    const init = activeNodes(plan).find((n) => n.initController);
    // A resumed job's nodes may hold its credentials already (their Ignition is fetched once): it keeps them.
    const kept = await ports.joinCredentials.load();
    credentials = credentialsForJob(input.id, kept, freshJoinCredentials);
    if (credentials !== kept) await ports.joinCredentials.save(credentials);
    secrets = { ...await ports.clusterSecrets({ forming: init !== undefined && running.has(init.mac) }), token: credentials.token, certificateKey: credentials.certificateKey };
    refuseUnsharedControlPlane(plan, running, secrets);
    const sysext = await ports.ensureSysext();
    const m = await ports.kubernetesManifests();
    kube = { plan, secrets, settings: b.kubernetes, sysext: { url: `${ep.base}/assets/${sysext.assetPath}`, sha256: sysext.sha256 }, cniManifest: m.cni, manifests: m.manifests };
  }
  const install = { flatcarVersion: version, console: b.console, kernelArgs: b.kernelArgs, rebootDelaySeconds: b.rebootDelaySeconds,
    disk: (n: PlannedNode) => installDiskInput(b, n, { wipe: request.wipe, provisionedBefore: input.installedBefore?.has(n.mac) === true }) };
  const configs = nodeConfigs({ plan, endpoints: ep, tokens: tokens as Map<never, string>, install, snippets: input.snippets,
    kubernetesPart: kube === undefined ? undefined : (n) => kubernetesPart(n, kube) });
  if (secrets !== undefined && credentials !== undefined) joinLease = await shareJoinCredentials(plan, running, secrets, credentials, ports, b.deadlines);
  for (const c of configs) {
    // Only nodes this run provisions get an install group: a finished node must never PXE-install again,
    // and neither must one resumed past its install (it gets the installed system's data only).
    if (!running.has(c.node.mac)) continue;
    const data = nodeBootData(c.node, ep, { flatcarVersion: version, console: b.console, kernelArgs: b.kernelArgs }, c.install, c.installed);
    const at = job.state.nodes[c.node.mac]?.phase ?? 'bmc-check';
    if (phaseIndex(at) > phaseIndex('ready')) {
      // Resumed after it reported ready: it needs neither stage again (their secrets stay retired).
      await retireStage(ports.store, installGroupId(c.node.mac));
      await retireStage(ports.store, installedGroupId(c.node.mac));
    } else if (phaseIndex(at) >= phaseIndex('boot-disk')) {
      await writeNodeBootData(ports.store, installedOnly(data, c.node.mac));
      await retireStage(ports.store, installGroupId(c.node.mac));
    } else {
      await writeNodeBootData(ports.store, data);
    }
  }

  const state = await job.run(signal);
  // A finished node reports nothing more: its token goes (a captured one is of no use).
  for (const n of job.toRun) if (state.nodes[n.mac]?.status === 'done') await ports.tokens.revoke(n.mac);
  if (!kubernetes || state.status !== 'succeeded' || secrets === undefined) return { state };
  const init = activeNodes(plan).find((n) => n.initController);
  if (init === undefined || ports.kubeApi === undefined || ports.saveKubeconfig === undefined) throw new Error('Kubernetes ports are not wired');
  const server = `https://${init.internalAddress}:6443`;
  const joined = activeNodes(plan).filter((n) => state.nodes[n.mac]?.status === 'done').map((n) => n.hostname);
  await waitForCluster(ports.kubeApi(server, secrets), joined, ports.clock, b.deadlines.joinedSeconds * 1000, 10_000, signal);
  const path = await ports.saveKubeconfig(renderKubeconfig(plan.clusterName, server, secrets));
  return { state, kubeconfig: { path, usage: kubeconfigUsage(path) } };
}

/** The nodes this run provisions that join a cluster that exists already (its first controller is not provisioned in the run). */
function joiningExisting(plan: BootstrapPlan, running: ReadonlySet<string>): { init: PlannedNode; joining: PlannedNode[] } | undefined {
  const init = activeNodes(plan).find((n) => n.initController);
  if (init === undefined || running.has(init.mac)) return undefined; // kubeadm init creates the token and uploads the certificates
  const joining = activeNodes(plan).filter((n) => running.has(n.mac));
  return joining.length === 0 ? undefined : { init, joining };
}

/**
 * A controller joining a running cluster needs the shared control-plane keys, which the agent
 * holds only for clusters it handed them to (formed by this racker). For a cluster an earlier
 * racker formed, that is refused before anything is touched.
 */
function refuseUnsharedControlPlane(plan: BootstrapPlan, running: ReadonlySet<string>, secrets: ClusterSecrets): void {
  const j = joiningExisting(plan, running);
  const controllers = j?.joining.filter((n) => n.role === 'controller') ?? [];
  if (j === undefined || controllers.length === 0 || secrets.controlPlane !== undefined) return;
  throw new RackerError(ErrorCodes.cluster, `${controllers.map((n) => n.hostname).join(', ')} would join the existing cluster ${plan.clusterName} as control-plane node${controllers.length === 1 ? '' : 's'}, but that cluster was formed by an earlier racker, so the agent does not hold its control-plane keys`,
    { hint: `on a running controller run \`kubeadm init phase upload-certs --upload-certs\` and join the node by hand with the key it prints, or reprovision ${j.init.hostname} in the same run to form the cluster anew` });
}

/**
 * When the cluster exists already, the joining nodes' token is registered through the API, as
 * `kubeadm token create` would; for joining controllers the shared control-plane keys are uploaded
 * under the certificate key, as `kubeadm init phase upload-certs` would. Both live for as long as
 * provisioning may take from now (every phase's deadline; the keys at least kubeadm's 2 hours), and
 * the lease renews them before each later power-on of a joining node if they would lapse sooner.
 */
async function shareJoinCredentials(plan: BootstrapPlan, running: ReadonlySet<string>, secrets: ClusterSecrets, credentials: KeptJoinCredentials, ports: RunnerPorts,
  deadlines: Config['bootstrap']['deadlines']): Promise<{ lease: JoinCredentialsLease; joining: ReadonlySet<string> } | undefined> {
  const j = joiningExisting(plan, running);
  if (j === undefined) return undefined;
  if (ports.kubeApi === undefined || ports.joinCredentials === undefined) throw new Error('Kubernetes ports are not wired');
  const controllers = j.joining.some((n) => n.role === 'controller') && secrets.controlPlane !== undefined;
  const lease = new JoinCredentialsLease(credentials, {
    api: ports.kubeApi(`https://${j.init.internalAddress}:6443`, secrets), store: ports.joinCredentials, clock: ports.clock,
    provisioningMs: Object.values(deadlinesMs(deadlines)).reduce((a, d) => a + d, 0),
    controlPlaneFiles: controllers && secrets.controlPlane !== undefined ? sharedControlPlaneFiles(secrets, secrets.controlPlane) : undefined,
  });
  await lease.ensure();
  return { lease, joining: new Set(j.joining.map((n) => n.mac as string)) };
}
