/**
 * From configuration and answers to a checked plan: the inventory, the static public addresses file, the user snippets and the plan itself, every problem
 * of each collected and reported together with file, line and field. Used by the CLI (--dry-run)
 * and by the agent before it accepts a job, so both refuse the same inputs. Nothing here opens a
 * file a request names: the static addresses come as text (the CLI reads the file).
 */
import { ErrorCodes, RackerError, ValidationError, formatProblem, type Problem } from '../agent/lib/errors.js';
import { etcFiles } from '../agent/config/paths.js';
import type { Config } from '../agent/config/schema.js';
import { loadInventory, type Inventory } from '../agent/inventory/inventory.js';
import type { Mac } from '../agent/lib/mac.js';
import type { Answers } from './answers.js';
import { answersFile } from './answers.js';
import { macDirectory, planBootstrap, activeNodes, type BootstrapPlan } from './plan.js';
import { parseStaticAddresses, type StaticAddressing } from './static-addresses.js';
import { loadSnippets, snippetsDir, snippetsFor, scopeApplies, type SnippetLibrary } from './ignition/snippets.js';
import { endpoints } from './endpoints.js';
import type { PlanExtras } from './plan-render.js';
import { runtimePins } from '../agent/config/pins.js';
import { sysextAssetPath, sysextPin, sysextPinProblem } from './kubernetes/sysext.js';
import { diskChoiceFor, unmatchedNodeKeys } from './disk-rules.js';

export interface PreparedBootstrap {
  answers: Answers;
  inventory: Inventory;
  plan: BootstrapPlan;
  snippets: SnippetLibrary;
  extras: PlanExtras;
  warnings: string[];
}

/**
 * The internal subnet is the agent's (network.subnet): its dnsmasq and boot listener serve it. An
 * answer that differs would change Ignition and boot URLs but not them, so it is refused with the
 * way to apply it to the agent first.
 */
export function checkInternalSubnet(config: Config, answers: Answers): void {
  if (answers.internalSubnet === config.network.subnet) return;
  throw new RackerError(ErrorCodes.plan, `the internal subnet ${answers.internalSubnet} is not the one the agent serves (network.subnet: ${config.network.subnet})`,
    { hint: `to use ${answers.internalSubnet}, set \`network: { subnet: ${answers.internalSubnet} }\` in the racker configuration (${etcFiles(config.paths.etcDir).config}), apply it with \`systemctl reload racker-agent\`, then run racker bootstrap again; to keep ${config.network.subnet}, leave out --internal-subnet (or pass --internal-subnet ${config.network.subnet})` });
}

export interface PrepareOptions {
  /** --no-cni: a Kubernetes plan without a CNI manifest is the operator's choice, not a mistake. */
  noCni?: boolean;
  /**
   * The agent's own inventory, already loaded (the agent passes it, so a job plans against exactly
   * what its DHCP and boot service serve and nodes.csv is not read again); the CLI loads it here.
   */
  agentInventory?: Inventory;
  /** The static addresses file's text, with answers.publicAddressing static (the CLI reads the file). */
  staticAddressesText?: string;
}

export async function prepareBootstrapPlan(config: Config, answers: Answers, exclude: readonly string[], o: PrepareOptions = {}): Promise<PreparedBootstrap> {
  checkInternalSubnet(config, answers);
  const cfg = config;
  const { inventory, warnings: inventoryWarnings } = o.agentInventory !== undefined ? { inventory: o.agentInventory, warnings: [] } : await loadInventory(cfg);
  const problems: Problem[] = [];
  let staticAddresses: Map<Mac, StaticAddressing> | undefined;
  if (answers.publicAddressing === 'static') {
    const file = answers.staticAddressesFile ?? 'static addresses';
    if (o.staticAddressesText === undefined) {
      problems.push({ file, message: 'its contents were not given', hint: 'racker bootstrap reads the file and sends its text' });
    } else {
      const parsed = parseStaticAddresses(o.staticAddressesText, file, macDirectory(inventory));
      problems.push(...parsed.problems);
      staticAddresses = parsed.byMac;
    }
  }
  const snippets = await loadSnippets(snippetsDir(cfg.paths.etcDir));
  problems.push(...snippets.problems);
  // Without a CNI no node ever becomes Ready and the run would only fail at its very end.
  if (answers.provision === 'kubernetes' && cfg.bootstrap.kubernetes.cniManifest === undefined && o.noCni !== true) {
    problems.push({ file: cfg.source ?? '(defaults)', field: 'bootstrap.kubernetes.cniManifest', message: 'no CNI manifest is configured: the nodes would join but never become Ready',
      hint: 'set bootstrap.kubernetes.cniManifest to a CNI manifest (Flannel, Calico, Cilium ...), or pass --no-cni and apply one yourself' });
  }
  // Nodes run what the sysext holds as root: without a digest to check it against, nothing is fetched.
  const pins = runtimePins().kubernetes;
  const sysext = answers.provision === 'kubernetes' ? sysextPin(cfg.bootstrap.kubernetes, pins) : undefined;
  const unpinned = sysext === undefined ? undefined : sysextPinProblem(sysext, pins, cfg.source ?? '(defaults)');
  if (unpinned !== undefined) problems.push(unpinned);
  if (problems.length > 0) throw new ValidationError(ErrorCodes.plan, `the bootstrap inputs have ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems);

  const plan = planBootstrap({ answers, inventory, exclude, staticAddresses });
  const diskKeys = unmatchedNodeKeys(cfg.bootstrap, plan.nodes, cfg.source ?? '(defaults)');
  if (diskKeys.length > 0) throw new ValidationError(ErrorCodes.config, `${cfg.source ?? 'the configuration'} names nodes that are not in nodes.csv`, diskKeys);
  const warnings = inventoryWarnings.map(formatProblem);
  const active = activeNodes(plan);
  for (const s of snippets.snippets) {
    if (!active.some((n) => scopeApplies(s.scope, n))) warnings.push(`${s.file}: applies to no node being provisioned (check the directory name)`);
  }
  if (answers.publicAddressing === 'static') {
    const without = active.filter((n) => n.public === undefined).map((n) => n.hostname);
    if (without.length > 0) warnings.push(`no static address for ${without.join(', ')}: they use DHCP on the public network`);
  }
  if (answers.sshKeys.length === 0) warnings.push('no SSH keys: the nodes can be reached on their console only (--ssh-key)');
  if (answers.provision === 'kubernetes' && cfg.bootstrap.kubernetes.cniManifest === undefined) warnings.push('no CNI (--no-cni): the nodes stay NotReady until you apply one, and the run waits for Ready');
  const b = cfg.bootstrap;
  const extras: PlanExtras = {
    endpoints: endpoints(plan.managementAddress, cfg.boot.port),
    flatcar: { channel: b.flatcar.channel, version: b.flatcar.version },
    disk: diskChoiceFor(b),
    disks: new Map(active.map((n) => [n.mac as string, diskChoiceFor(b, n)])),
    minDiskGiB: b.minDiskGiB,
    console: b.console,
    kubernetesVersion: answers.provision === 'kubernetes' ? b.kubernetes.version : undefined,
    ...(sysext?.sha256 === undefined ? {} : { sysext: {
      from: sysext.source.kind === 'url' ? sysext.source.url : sysext.source.path, sha256: sysext.sha256, pinnedBy: sysext.pinnedBy,
      servedAt: `${endpoints(plan.managementAddress, cfg.boot.port).base}/assets/${sysextAssetPath(sysext)}`,
    } }),
    snippets: new Map(active.map((n) => [n.mac as string, snippetsFor(snippets, n).map((s) => s.file)])),
    answersFile: answersFile(cfg.paths.etcDir),
    answerSources: {},
  };
  return { answers, inventory, plan, snippets, extras, warnings };
}
