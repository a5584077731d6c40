/**
 * The agent's JobRunner for `racker bootstrap`: checks the request with the bootstrap's own schema,
 * plans against the current inventory, and runs bootstrap/runner.ts with the real ports: the BMC
 * layer, the rack bus's observations, the boot service's file store, persisted phone-home tokens,
 * and the job state sink.
 */
import { etcFiles, stateFiles } from '../../config/paths.js';
import { bootPaths } from '../../boot/create.js';
import { parseRequest } from '../../api/requests.js';
import { ErrorCodes, RackerError } from '../../lib/errors.js';
import { bootstrapRequestSchema } from '../../../bootstrap/job-request.js';
import { prepareBootstrapPlan } from '../../../bootstrap/prepare.js';
import { runBootstrap, type RunnerPorts } from '../../../bootstrap/runner.js';
import { FileBootStore } from '../../../bootstrap/file-boot-store.js';
import { assetSource, ensureFlatcarAssets } from '../../../bootstrap/assets.js';
import { progressLines } from '../../../bootstrap/download.js';
import { systemClock, type BootControl } from '../../../bootstrap/ports.js';
import { ensureClusterSecrets } from '../../../bootstrap/kubernetes/pki.js';
import { readKubernetesManifests } from '../../../bootstrap/kubernetes/manifests.js';
import { ensureSysext, sysextPin } from '../../../bootstrap/kubernetes/sysext.js';
import { runtimePins } from '../../config/pins.js';
import { clusterDir, HttpsKubeApi, writeKubeconfig } from '../../../bootstrap/kubernetes/cluster.js';
import { fileJoinCredentialsStore } from '../../../bootstrap/kubernetes/join-credentials.js';
import { formatFailure } from '../../../bootstrap/failure.js';
import type { AgentDeps } from '../subsystems.js';
import type { JobContext, JobOutcome, JobRunner } from '../jobs.js';
import type { JobRecord } from '../../state/records.js';
import type { RackBus } from './rack-bus.js';
import { BusObservations } from './observations.js';
import { TokenStore } from './token-store.js';
import { JobStateSink, jobSummary, loadJobState } from './job-state-sink.js';
import { installedNodes, provisionedNodes } from '../../../bootstrap/rerun.js';

export interface BootstrapRunnerOptions {
  deps: AgentDeps;
  bus: RackBus;
  tokens: TokenStore;
  /** Power and boot-device control through the BMC layer. */
  control: BootControl;
}

export class BootstrapRunner implements JobRunner {
  private readonly observations: BusObservations;

  constructor(private readonly o: BootstrapRunnerOptions) {
    this.observations = new BusObservations(o.bus, (ip) => {
      const n = o.deps.inputs().inventory.workers.find((w) => w.address === ip);
      return n?.primaryMac;
    }, () => o.tokens.reports());
  }

  /** The same checks `racker bootstrap` makes before it submits, so a bad input is refused before any record exists. */
  async validate(request: unknown): Promise<void> {
    const r = parseRequest(bootstrapRequestSchema, request, 'bootstrap');
    const { config, inventory } = this.o.deps.inputs();
    await prepareBootstrapPlan(config, r.answers, r.exclude, { agentInventory: inventory, noCni: r.noCni, staticAddressesText: r.staticAddresses });
  }

  async run(job: Readonly<JobRecord>, ctx: JobContext): Promise<JobOutcome> {
    const request = parseRequest(bootstrapRequestSchema, job.request, 'bootstrap');
    // The agent's current inventory and configuration: nodes.csv is not read again for the job.
    const { config, inventory } = this.o.deps.inputs();
    const prepared = await prepareBootstrapPlan(config, request.answers, request.exclude, { agentInventory: inventory, noCni: request.noCni, staticAddressesText: request.staticAddresses });
    const stateDir = config.paths.stateDir;
    const paths = bootPaths(config);
    if (paths.assetsDir === undefined) throw new RackerError(ErrorCodes.config, 'boot.assetsDir is empty, so the boot service serves no images to install from', { hint: 'remove boot.assetsDir from the configuration' });
    const assetsDir = paths.assetsDir;
    const flatcar = config.bootstrap.flatcar;
    const ports: RunnerPorts = {
      control: this.o.control,
      keepBmcFacts: async (node, facts) => {
        this.o.deps.state.recordBmcFacts(node.mac, facts);
        await this.o.deps.state.persisted();
      },
      observations: this.observations,
      store: new FileBootStore(paths.dataDir),
      tokens: this.o.tokens,
      sink: new JobStateSink(stateDir, this.o.deps.state, ctx),
      clock: systemClock,
      asker: {
        ask: async (failure) => {
          const answer = await ctx.ask({ text: `${formatFailure(failure)}. ${failure.hint}. Retry, exclude the node, or cancel the bootstrap?`, choices: ['retry', 'exclude', 'cancel'], node: failure.mac });
          return answer as 'retry' | 'exclude' | 'cancel';
        },
      },
      ensureAssets: async () => {
        ctx.progress({ message: `checking Flatcar ${flatcar.version} (${flatcar.channel}) images` });
        const r = await ensureFlatcarAssets({ source: assetSource(flatcar), channel: flatcar.channel, version: flatcar.version, assetsDir, stagingDir: stateFiles(stateDir).downloads,
          ...(flatcar.signingKey === undefined ? {} : { signingKey: flatcar.signingKey }), signal: ctx.signal,
          onProgress: progressLines((line) => ctx.progress({ message: `downloading Flatcar: ${line}` })) });
        return { version: r.version };
      },
      // Earlier versions kept the secrets in <etc>/pki/<cluster>: a cluster made then keeps its CA.
      clusterSecrets: ({ forming }) => ensureClusterSecrets(clusterDir(stateDir, prepared.plan.clusterName), { formerDir: etcFiles(config.paths.etcDir).clusterPki(prepared.plan.clusterName), forming }),
      ensureSysext: async () => {
        const pin = sysextPin(config.bootstrap.kubernetes, runtimePins().kubernetes);
        ctx.progress({ message: `checking the Kubernetes ${pin.version} system extension` });
        return ensureSysext({ pin, assetsDir, stagingDir: stateFiles(stateDir).downloads, signal: ctx.signal,
          onProgress: (p) => ctx.progress({ message: `downloading the Kubernetes system extension: ${JSON.stringify(p)}` }) });
      },
      kubernetesManifests: () => readKubernetesManifests(config.bootstrap.kubernetes),
      kubeApi: (server, secrets) => new HttpsKubeApi(server, secrets),
      saveKubeconfig: (text) => writeKubeconfig(stateDir, prepared.plan.clusterName, text),
      joinCredentials: fileJoinCredentialsStore(stateFiles(stateDir).joinCredentials(prepared.plan.clusterName)),
    };
    // Resuming this very job: its own saved state decides (what it finished or excluded stays so).
    // A new job: the agent's node records decide which nodes an earlier job already provisioned.
    const resumed = ctx.resumed ? await loadJobState(stateDir, job.id) : undefined;
    const provisioned = resumed === undefined ? provisionedNodes(this.o.deps.state.nodes()) : undefined;
    ctx.progress({ message: `provisioning ${prepared.plan.nodes.length} nodes` });
    // Also when resuming: whether racker installed a server before decides what its installer may overwrite.
    const installedBefore = installedNodes(this.o.deps.state.nodes());
    const result = await runBootstrap({ id: job.id, config, plan: prepared.plan, snippets: prepared.snippets, request, resumed, provisioned, installedBefore }, ports, ctx.signal);
    // Stopped (agent stopping, or cancelled): the job manager decides between resume and cancelled.
    if (ctx.signal.aborted) throw ctx.signal.reason as Error;
    const nodes = Object.values(result.state.nodes);
    const failed = nodes.filter((n) => n.status === 'failed' || (n.status === 'excluded' && n.failure !== undefined));
    const summary = jobSummary(result.state);
    const kube = result.kubeconfig === undefined ? '' : `; ${result.kubeconfig.usage}`;
    // Succeeded means every node is ready: a node excluded after failing is not provisioned.
    const allReady = nodes.every((n) => n.status === 'done' || n.status === 'skipped');
    return result.state.status === 'succeeded' && allReady ? { state: 'succeeded', message: `${summary}${kube}` } : { state: 'failed', message: `${summary}: ${failed.map((n) => n.failure === undefined ? n.hostname : formatFailure(n.failure)).join('; ')}` };
  }
}
