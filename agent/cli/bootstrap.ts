/**
 * `racker bootstrap`: gather the answers (flags, saved answers, defaults with --yes, or prompts on a
 * terminal), plan the rack, and either print the plan (--dry-run, changes nothing) or save the
 * answers, hand the job to the agent over its control socket and follow it to the end
 * (bootstrap-control.ts). The job runs in the agent, so a dropped SSH session or Ctrl-C does not
 * stop provisioning; --attach, --answer and --cancel reach the running job from any shell.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { agentJobs, answerJob, cancelJob, findJob, followJob } from './bootstrap-control.js';
import { EXIT_DETACHED } from './bootstrap-result.js';
import { AgentClient } from '../api/client.js';
import { controlSocketPath, readSocketPath } from '../api/socket-path.js';
import { TerminalPrompter } from './prompt.js';
import { ErrorCodes, RackerError, UsageError, isENOENT } from '../lib/errors.js';
import { loadConfig } from '../config/load.js';
import { etcFiles } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import { answersFile, loadAnswers, saveAnswers } from '../../bootstrap/answers.js';
import { resolveAnswers, QUESTIONS, type QuestionContext } from '../../bootstrap/questions.js';
import { prepareBootstrapPlan } from '../../bootstrap/prepare.js';
import { provisionedNodes } from '../../bootstrap/rerun.js';
import { renderPlanJson, renderPlanText } from '../../bootstrap/plan-render.js';
import { FAILURE_POLICIES, type FailurePolicy } from '../../bootstrap/job.js';
import { STATIC_ADDRESSES_MAX_BYTES, type BootstrapRequest } from '../../bootstrap/job-request.js';
import type { Answers } from '../../bootstrap/answers.js';
import { readBoundedFile } from '../lib/bounded-file.js';
import { readVersionMarker, writeVersionMarker } from '../../factory/version-marker.js';
import { rackerVersion } from '../lib/racker-version.js';

const USAGE = 'racker bootstrap [--dry-run] [--yes] [question flags] [--exclude NODE]... [--node NODE --reprovision] [--wipe] [--no-cni] [--on-failure ask|retry|exclude|cancel] [--retries N] [--parallelism N] [--power-on-interval SECONDS] [--no-wait]\n       racker bootstrap --attach [JOB] | --answer retry|exclude|cancel [JOB] | --cancel [JOB]';

const HELP = `usage: ${USAGE}

Provision every node of the rack with Flatcar Container Linux, optionally as a Kubernetes cluster.
Answers come from flags, else from the saved answers (<etc>/bootstrap.yaml), else the defaults
(--yes), else prompts on a terminal. Every flag given is used; a flag that does not apply is an error.

Questions:
${QUESTIONS.map((q) => `  --${q.flag.padEnd(20)} ${q.message}`).join('\n')}
  (--ssh-key takes a public key or a .pub file and may be repeated; the default is the rack key
   from racker factory gen-ssh-key and your own ~/.ssh key; --ssh-key '' provisions without any)

Run options:
  --dry-run                print the plan (roles, names, addresses, what each node gets); change nothing
  --yes                    take the default for every question not answered otherwise
  --reconfigure            ask again even when answers are saved (they become the defaults)
  --exclude NODE           leave a node out (primary, BMC or secondary MAC, or host name; exact); repeatable
  --node NODE              only this node (with --reprovision: reinstall one node); repeatable
  --reprovision            provision nodes again even if an earlier run finished them
  --wipe                   let the installer erase the install disk's partition tables and file-system
                           signatures on a node racker never installed (bootstrap.wipe metadata)
  --no-cni                 Kubernetes without bootstrap.kubernetes.cniManifest (you apply a CNI;
                           without this flag such a plan is refused)
  --on-failure POLICY      ask (default), retry, exclude or cancel
  --retries N              whole-node retries for retry and exclude (default 2)
  --parallelism N          nodes at once (default 0: all)
  --power-on-interval S    seconds between two power-ons across the rack (default 0)
  --no-wait                submit the job, print its id and return at once
  --json                   the plan (--dry-run) or the final result as JSON on stdout

Following the job (it runs in the agent; these only watch and steer it):
  Progress goes to stderr: one line per node redrawn in place on a terminal, else one line per change.
  Ctrl-C detaches and leaves the job running. With --on-failure ask, a failed node's question is
  asked on the terminal, or printed with the command that answers it.
  --attach [JOB]           follow the running job (or JOB; the last one's result when none runs)
  --answer CHOICE [JOB]    answer the running job's open question: retry, exclude or cancel
  --cancel [JOB]           cancel the running job

Exit status: 0 the job succeeded; 1 it failed, was cancelled or interrupted (or racker failed);
2 usage error; ${EXIT_DETACHED} detached with Ctrl-C (the job goes on; its outcome is not known yet).
--no-wait, --answer and --cancel exit 0 once the agent has taken the request.`;

const OPTIONS = {
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  reconfigure: { type: 'boolean' },
  exclude: { type: 'string', multiple: true },
  node: { type: 'string', multiple: true },
  reprovision: { type: 'boolean' },
  wipe: { type: 'boolean' },
  'no-cni': { type: 'boolean' },
  'on-failure': { type: 'string' },
  retries: { type: 'string' },
  parallelism: { type: 'string' },
  'power-on-interval': { type: 'string' },
  provision: { type: 'string' },
  'cluster-name': { type: 'string' },
  controllers: { type: 'string' },
  'controller-type': { type: 'string' },
  'public-addressing': { type: 'string' },
  'static-addresses': { type: 'string' },
  domain: { type: 'string' },
  'internal-subnet': { type: 'string' },
  'ssh-key': { type: 'string', multiple: true },
  'no-wait': { type: 'boolean' },
  attach: { type: 'boolean' },
  answer: { type: 'string' },
  cancel: { type: 'boolean' },
} as const;

/** Flags that go with --attach, --answer and --cancel (they steer an existing job). */
const CONTROL_FLAGS = new Set(['attach', 'answer', 'cancel', 'config', 'json', 'debug']);

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (v.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  const control = (['attach', 'answer', 'cancel'] as const).filter((f) => v[f] !== undefined);
  if (control.length > 0) return steer(v, control, positionals, ctx);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  if (v['no-wait'] === true && v['dry-run'] === true) throw new UsageError('--no-wait goes with a real run, not --dry-run');
  const multi = (x: unknown): string[] => (Array.isArray(x) ? (x as string[]) : []).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '');
  const onFailure = v['on-failure'] ?? 'ask';
  if (!(FAILURE_POLICIES as readonly string[]).includes(onFailure)) throw new UsageError(`--on-failure: "${onFailure}" is not one of ${FAILURE_POLICIES.join(', ')}`);
  const retries = integer('--retries', v.retries, 2, 20);
  const parallelism = integer('--parallelism', v.parallelism, 0, 10_000);
  const powerOnInterval = integer('--power-on-interval', v['power-on-interval'], 0, 600);
  const nodes = multi(v.node);
  if (v.reprovision !== true && nodes.length > 0 && v['dry-run'] !== true) {
    // --node without --reprovision only makes sense for nodes not yet done; say so rather than guess.
    ctx.stderr.write('note: --node without --reprovision skips the node if an earlier run finished it\n');
  }

  const config = await loadConfig({ flag: v.config, env: ctx.env });
  const flags: Record<string, string | undefined> = {};
  for (const q of QUESTIONS) {
    const raw = (v as Record<string, unknown>)[q.flag];
    if (q.flag === 'ssh-key') flags[q.flag] = Array.isArray(raw) ? (await readSshKeys(raw as string[], ctx)).join(',') : undefined;
    else flags[q.flag] = raw as string | undefined;
  }
  const saved = await loadAnswers(answersFile(config.paths.etcDir));
  const interactive = ctx.stdin.isTTY === true && ctx.stderr.isTTY === true && v.json !== true;
  const prompter = interactive && v.yes !== true ? new TerminalPrompter(ctx.stdin, ctx.stderr) : undefined;
  let prepared;
  let staticAddresses: string | undefined;
  try {
    const qctx = await questionContext(config, ctx);
    const resolved = await resolveAnswers({ flags, saved, yes: v.yes === true, reconfigure: v.reconfigure === true, prompter, ctx: qctx });
    staticAddresses = await readStaticAddresses(resolved.answers);
    prepared = await prepareBootstrapPlan(config, resolved.answers, multi(v.exclude), { noCni: v['no-cni'] === true, staticAddressesText: staticAddresses });
    prepared.extras.answerSources = resolved.sources;
  } finally {
    prompter?.close();
  }
  const { plan, extras, warnings } = prepared;
  for (const w of warnings) ctx.stderr.write(`warning: ${w}\n`);

  // Nodes without a key can be reached on their console only: a real run needs that asked for.
  const keyless = prepared.answers.sshKeys.length === 0 && extras.answerSources.sshKeys === 'default';
  const keylessText = `no SSH key for the nodes: there is no rack key (${etcFiles(config.paths.etcDir).sshPublicKey}) and none in ~/.ssh`;
  const keylessHint = "create the rack key with `racker factory gen-ssh-key`, give one with --ssh-key KEY|FILE, or pass --ssh-key '' to provision without SSH access";
  if (v['dry-run'] === true) {
    if (keyless) ctx.stderr.write(`warning: ${keylessText}; a real run refuses this (${keylessHint})\n`);
    // What the agent's node records say an earlier job provisioned: the run skips those (rerun.ts).
    if (v.reprovision !== true) extras.skipped = await provisionedByAgent(config, ctx);
    ctx.stdout.write(v.json === true ? renderPlanJson(plan, extras) : renderPlanText(plan, extras));
    return 0;
  }
  if (keyless) throw new UsageError(keylessText, keylessHint);
  // Nothing is saved for a run that cannot start: the agent must answer first.
  const client = agentClient(config);
  // On the control socket: the job goes there, so that is the socket that must answer (and let this user in).
  await new AgentClient({ socketPath: controlSocketPath(config.paths.runDir), timeoutMs: 10_000 }).request('GET', '/v1/health');
  await checkVersionMarker(config, ctx);
  await saveAnswers(answersFile(config.paths.etcDir), prepared.answers);
  ctx.stderr.write(`answers saved to ${answersFile(config.paths.etcDir)}; a re-run asks nothing new\n`);
  const request: BootstrapRequest = {
    kind: 'bootstrap', answers: prepared.answers, ...(staticAddresses === undefined ? {} : { staticAddresses }), exclude: multi(v.exclude), nodes, reprovision: v.reprovision === true, wipe: v.wipe === true, noCni: v['no-cni'] === true,
    onFailure: onFailure as FailurePolicy, retries, parallelism, powerOnIntervalMs: powerOnInterval * 1000,
  };
  const api = agentJobs(client);
  const job = await api.submit(request);
  if (v['no-wait'] === true) {
    writeLine(ctx.stdout, v.json === true ? JSON.stringify({ job }) : `bootstrap job ${job.id} started in the agent; follow it with: racker bootstrap --attach`);
    return 0;
  }
  ctx.stderr.write(`bootstrap job ${job.id} started in the agent (Ctrl-C detaches; the job goes on)\n`);
  return followJob(api, job.id, ctx, v.json === true);
}

/** The nodes the agent's records say are provisioned (none when the agent is not running: then nothing was provisioned by it yet that we can know of). */
async function provisionedByAgent(config: Config, ctx: CliContext): Promise<Map<string, string>> {
  try {
    const { nodes } = await agentClient(config).get('/v1/nodes', 'nodes');
    return provisionedNodes(nodes);
  } catch (e) {
    ctx.stderr.write(`note: the agent did not answer (${e instanceof Error ? e.message : String(e)}), so the plan cannot say which nodes are already provisioned\n`);
    return new Map();
  }
}

/** The static addresses file's text, read here as the user running racker: the agent opens no file a request names. */
async function readStaticAddresses(answers: Answers): Promise<string | undefined> {
  if (answers.publicAddressing !== 'static' || answers.staticAddressesFile === undefined) return undefined;
  return readBoundedFile(answers.staticAddressesFile, {
    maxBytes: STATIC_ADDRESSES_MAX_BYTES, what: 'the static addresses file',
    hint: 'write the static addresses file (see docs/bootstrap.md) or choose --public-addressing dhcp',
  });
}

function agentClient(config: Config): AgentClient {
  return new AgentClient({ socketPath: controlSocketPath(config.paths.runDir), readSocketPath: readSocketPath(config.paths.runDir), timeoutMs: 10_000 });
}

/** --attach, --answer, --cancel: act on a job the agent already runs; nothing is planned or asked. */
async function steer(v: Record<string, unknown>, control: string[], positionals: string[], ctx: CliContext): Promise<number> {
  if (control.length > 1) throw new UsageError(`--${control.join(' and --')} do not go together`, `usage: ${USAGE}`);
  const other = Object.keys(v).filter((k) => v[k] !== undefined && !CONTROL_FLAGS.has(k));
  if (other.length > 0) throw new UsageError(`--${other[0] ?? ''} does not go with --${control[0] ?? ''}`, `usage: ${USAGE}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, `usage: ${USAGE}`);
  const jobId = positionals[0];
  const json = v.json === true;
  const config = await loadConfig({ flag: v.config as string | undefined, env: ctx.env });
  const api = agentJobs(agentClient(config));
  if (typeof v.answer === 'string') return answerJob(api, v.answer, jobId, ctx, json);
  if (v.cancel === true) return cancelJob(api, jobId, ctx, json);
  const job = await findJob(api, jobId, true);
  ctx.stderr.write(`attached to bootstrap job ${job.id} (Ctrl-C detaches; the job goes on)\n`);
  return followJob(api, job.id, ctx, json);
}

function integer(flag: string, text: string | undefined, def: number, max: number): number {
  if (text === undefined) return def;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`${flag}: "${text}" is not a whole number from 0 to ${max}`);
  return Number(text);
}

/** --ssh-key values: a key as text, or a file (~ allowed) holding one or more keys. */
async function readSshKeys(values: string[], ctx: CliContext): Promise<string[]> {
  const keys: string[] = [];
  for (const value of values) {
    if (value.trim() === '') continue; // --ssh-key '': no key, on purpose
    if (/^(ssh-|ecdsa-|sk-)/.test(value.trim())) {
      keys.push(value.trim());
      continue;
    }
    const path = value.startsWith('~/') ? join(ctx.env.HOME ?? homedir(), value.slice(2)) : value;
    try {
      keys.push(...(await readFile(path, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
    } catch (e) {
      if (isENOENT(e)) throw new UsageError(`--ssh-key: "${value}" is neither a public key nor a readable file`);
      throw e;
    }
  }
  return keys;
}

async function questionContext(config: Config, ctx: CliContext): Promise<QuestionContext> {
  const { loadInventory } = await import('../inventory/inventory.js');
  const { inventory } = await loadInventory(config);
  const home = ctx.env.HOME ?? homedir();
  const defaultSshKeys: string[] = [];
  // The rack key (`racker factory gen-ssh-key`) first, then the invoking user's own key.
  const candidates = [etcFiles(config.paths.etcDir).sshPublicKey, ...['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'].map((n) => join(home, '.ssh', n))];
  for (const path of candidates) {
    try {
      defaultSshKeys.push((await readFile(path, 'utf8')).trim());
      if (path !== candidates[0]) break; // one of the user's keys is enough
    } catch (e) {
      if (!isENOENT(e)) throw e; /* no key there: try the next */
    }
  }
  return {
    nodeTypes: inventory.workers.map((n) => n.nodeType),
    defaultDomain: config.network.domain ?? 'rack.localdomain',
    defaultSubnet: config.network.subnet,
    defaultSshKeys,
  };
}

/**
 * The first bootstrap after a factory hand-over (`racker factory reset --racker-version` removed the
 * version marker) must run on the newest racker: with a release source configured, it asks for
 * `racker update` first; without one there is nothing newer to get, so it records this version.
 */
async function checkVersionMarker(config: Config, ctx: CliContext): Promise<void> {
  if ((await readVersionMarker(config.paths.stateDir)) !== undefined) return;
  if (config.installer.source !== undefined) {
    throw new RackerError(ErrorCodes.conflict, 'this rack was reset for hand-over: its first bootstrap runs on the newest racker release',
      { hint: 'run `racker update` (it installs the newest release), then `racker bootstrap` again' });
  }
  const version = await rackerVersion();
  await writeVersionMarker(config.paths.stateDir, version);
  ctx.stderr.write(`first bootstrap on this rack: recorded racker ${version} (no release source is configured to update from)\n`);
}
