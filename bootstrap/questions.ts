/**
 * The questions `racker bootstrap` asks, each one also a flag. Every answer comes from exactly one
 * place, in this order: the flag (validated; a bad value is a usage error), the saved answers file,
 * the default (with --yes), or a prompt (on a terminal). Without a terminal and without --yes, a
 * missing answer is an error that names the flags to pass. Nothing given is ever ignored: a flag
 * that does not apply to the chosen provision type is a usage error (the original's wizard dropped
 * every prompt as soon as one flag was given and silently took defaults, original-racker.md §1.3).
 */
import { UsageError } from '../agent/lib/errors.js';
import { PROVISION_TYPES, ADDRESSING_MODES, checkClusterName, checkDomain, checkSubnet, checkSshKey, type Answers, type AnswerKey } from './answers.js';

/** What the questions need to know about the rack and the configuration. */
export interface QuestionContext {
  /** Node type of every node that will be provisioned (file order, may repeat, '' when none). */
  nodeTypes: readonly string[];
  defaultDomain: string;
  defaultSubnet: string;
  /** Public keys found for the invoking user (the default for sshKeys). */
  defaultSshKeys: readonly string[];
}

export interface Option {
  value: string;
  label: string;
}

export interface Question<K extends AnswerKey = AnswerKey> {
  key: K;
  flag: string;
  message: string;
  options?: (ctx: QuestionContext, a: Partial<Answers>) => Option[];
  /** The default as text, or undefined when there is none (the answer is then required). */
  defaultText: (ctx: QuestionContext, a: Partial<Answers>) => string | undefined;
  /** Whether the question applies given the answers so far. */
  applies: (a: Partial<Answers>) => boolean;
  /** Text → value, or a reason it is not valid. */
  parse: (text: string, ctx: QuestionContext, a: Partial<Answers>) => { value: Answers[K] } | { error: string };
  /** Whether a saved value is still valid for this rack. */
  stillValid?: (value: Answers[K], ctx: QuestionContext) => boolean;
}

const isKubernetes = (a: Partial<Answers>): boolean => a.provision === 'kubernetes';
const text = (check: (v: string) => string | undefined) => (t: string): { value: string } | { error: string } => {
  const why = check(t.trim());
  return why === undefined ? { value: t.trim() } : { error: why };
};
const choose = <T extends string>(values: readonly T[]) => (t: string): { value: T } | { error: string } => {
  const v = t.trim().toLowerCase() as T;
  return values.includes(v) ? { value: v } : { error: `"${t}" is not one of ${values.join(', ')}` };
};

/** Node types with how many nodes have each, for the controller-type question. */
export function typeCounts(nodeTypes: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of nodeTypes) if (t !== '') counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** Nodes a controller type draws from: exact match (case-insensitive), or every node for 'any'. */
export function controllerCandidates(type: string, nodeTypes: readonly string[]): number {
  return type === 'any' ? nodeTypes.length : nodeTypes.filter((t) => t.toLowerCase() === type.toLowerCase()).length;
}

export const QUESTIONS: readonly Question[] = [
  {
    key: 'provision', flag: 'provision', message: 'What should racker provision?',
    options: () => [{ value: 'flatcar', label: 'Flatcar Container Linux on every node' }, { value: 'kubernetes', label: 'a Kubernetes cluster (kubeadm on Flatcar)' }],
    defaultText: () => 'flatcar', applies: () => true, parse: choose(PROVISION_TYPES),
  } satisfies Question<'provision'>,
  {
    key: 'clusterName', flag: 'cluster-name', message: 'Cluster name (a DNS label)',
    defaultText: () => 'racker', applies: () => true, parse: text(checkClusterName),
  } satisfies Question<'clusterName'>,
  {
    key: 'controllerType', flag: 'controller-type', message: 'Node type the controllers are drawn from (exact match)',
    options: (ctx) => [{ value: 'any', label: `any node (${ctx.nodeTypes.length})` },
      ...[...typeCounts(ctx.nodeTypes)].map(([t, n]) => ({ value: t, label: `${t} (${n} node${n === 1 ? '' : 's'})` }))],
    defaultText: () => 'any', applies: isKubernetes,
    parse: (t, ctx) => {
      const v = t.trim();
      if (v === 'any' || controllerCandidates(v, ctx.nodeTypes) > 0) return { value: v };
      const known = [...typeCounts(ctx.nodeTypes).keys()];
      return { error: `no node has type "${v}"; the types in nodes.csv are ${known.length > 0 ? known.join(', ') : '(none)'}, or use any` };
    },
    stillValid: (v, ctx) => v === 'any' || controllerCandidates(v ?? 'any', ctx.nodeTypes) > 0,
  } satisfies Question<'controllerType'>,
  {
    key: 'controllers', flag: 'controllers', message: 'Control plane: 3 controllers (highly available) or 1',
    options: (ctx, a) => {
      const n = controllerCandidates(a.controllerType ?? 'any', ctx.nodeTypes);
      return [...(n >= 3 ? [{ value: '3', label: 'highly available: 3 controllers' }] : []), { value: '1', label: 'a single controller (no redundancy)' }];
    },
    // HA is the default whenever at least three nodes qualify (the original only offered it when
    // three nodes shared a named type, original-racker.md §8.9).
    defaultText: (ctx, a) => (controllerCandidates(a.controllerType ?? 'any', ctx.nodeTypes) >= 3 ? '3' : '1'),
    applies: isKubernetes,
    parse: (t, ctx, a) => {
      const v = t.trim();
      if (v !== '1' && v !== '3') return { error: `"${t}" is not 1 or 3` };
      const n = controllerCandidates(a.controllerType ?? 'any', ctx.nodeTypes);
      if (Number(v) > n) return { error: `${v} controllers need ${v} nodes of type "${a.controllerType ?? 'any'}", the rack has ${n}` };
      return { value: Number(v) as 1 | 3 };
    },
  } satisfies Question<'controllers'>,
  {
    key: 'publicAddressing', flag: 'public-addressing', message: 'Public (secondary NIC) addressing',
    options: () => [{ value: 'dhcp', label: 'DHCP on the public network' }, { value: 'static', label: 'static addresses from a YAML file keyed by secondary MAC' }],
    defaultText: () => 'dhcp', applies: () => true, parse: choose(ADDRESSING_MODES),
  } satisfies Question<'publicAddressing'>,
  {
    key: 'staticAddressesFile', flag: 'static-addresses', message: 'File with the static public addresses (YAML, see docs/bootstrap.md)',
    defaultText: () => undefined, applies: (a) => a.publicAddressing === 'static',
    parse: (t) => (t.trim().startsWith('/') ? { value: t.trim() } : { error: `"${t}" is not an absolute path` }),
  } satisfies Question<'staticAddressesFile'>,
  {
    key: 'domain', flag: 'domain', message: 'DNS domain appended to host names',
    defaultText: (ctx) => ctx.defaultDomain, applies: () => true, parse: text(checkDomain),
  } satisfies Question<'domain'>,
  {
    key: 'internalSubnet', flag: 'internal-subnet', message: 'Rack-internal subnet (change only if it clashes with the public network)',
    defaultText: (ctx) => ctx.defaultSubnet, applies: () => true, parse: text(checkSubnet),
    // A saved subnet the agent no longer serves (network.subnet changed since) is asked again.
    stillValid: (v, ctx) => v === ctx.defaultSubnet,
  } satisfies Question<'internalSubnet'>,
  {
    key: 'sshKeys', flag: 'ssh-key', message: 'SSH public keys for user core (comma-separated; empty for none)',
    defaultText: (ctx) => ctx.defaultSshKeys.join(','), applies: () => true,
    parse: (t) => {
      const keys = t.split(/[,\n]/).map((k) => k.trim()).filter((k) => k !== '');
      const bad = keys.map(checkSshKey).find((w) => w !== undefined);
      return bad === undefined ? { value: keys } : { error: bad };
    },
  } satisfies Question<'sshKeys'>,
] as unknown as readonly Question[];

/** Asks one question on the terminal; returns the text typed ('' for the default). */
export interface Prompter {
  ask(q: Question, options: Option[] | undefined, defaultText: string | undefined, error?: string): Promise<string>;
}

export interface ResolveInput {
  /** Flag values as given on the command line (question flag name → text). */
  flags: Readonly<Record<string, string | undefined>>;
  saved: Partial<Answers>;
  /** Take every default instead of asking. */
  yes: boolean;
  /** Ignore saved answers (they still serve as defaults). */
  reconfigure: boolean;
  /** Undefined when there is no terminal. */
  prompter: Prompter | undefined;
  ctx: QuestionContext;
}

export interface Resolved {
  answers: Answers;
  /** Where each answer came from, for the plan printout. */
  sources: Partial<Record<AnswerKey, 'flag' | 'saved' | 'default' | 'prompt'>>;
}

/** Resolve every applicable answer. Throws UsageError for a bad flag or missing answers. */
export async function resolveAnswers(input: ResolveInput): Promise<Resolved> {
  const a: Partial<Answers> = {};
  const sources: Resolved['sources'] = {};
  const missing: Question[] = [];
  for (const q of QUESTIONS) {
    const flagText = input.flags[q.flag];
    if (!q.applies(a)) {
      if (flagText !== undefined) throw new UsageError(`--${q.flag} does not apply here (${q.key === 'staticAddressesFile' ? 'it needs --public-addressing static' : 'it needs --provision kubernetes'})`);
      continue;
    }
    const saved = input.saved[q.key];
    const savedValid = saved !== undefined && (q.stillValid === undefined || q.stillValid(saved, input.ctx)) &&
      !('error' in q.parse(Array.isArray(saved) ? saved.join(',') : String(saved), input.ctx, a));
    const defaultText = savedValid ? (Array.isArray(saved) ? saved.join(',') : String(saved)) : q.defaultText(input.ctx, a);
    if (flagText !== undefined) {
      const r = q.parse(flagText, input.ctx, a);
      if ('error' in r) throw new UsageError(`--${q.flag}: ${r.error}`);
      set(a, q.key, r.value);
      sources[q.key] = 'flag';
    } else if (savedValid && !input.reconfigure) {
      set(a, q.key, saved);
      sources[q.key] = 'saved';
    } else if (input.yes && defaultText !== undefined) {
      const r = q.parse(defaultText, input.ctx, a);
      if ('error' in r) throw new UsageError(`the default for --${q.flag} (${defaultText}) does not fit this rack: ${r.error}`, `pass --${q.flag}`);
      set(a, q.key, r.value);
      sources[q.key] = 'default';
    } else if (input.prompter !== undefined) {
      const options = q.options?.(input.ctx, a);
      let error: string | undefined;
      for (;;) {
        const typed = (await input.prompter.ask(q, options, defaultText, error)).trim();
        const chosen = typed === '' ? defaultText : typed;
        if (chosen === undefined) {
          error = 'an answer is required';
          continue;
        }
        const r = q.parse(chosen, input.ctx, a);
        if ('error' in r) {
          error = r.error;
          continue;
        }
        set(a, q.key, r.value);
        sources[q.key] = 'prompt';
        break;
      }
    } else {
      missing.push(q);
      // Assume the default for the rest of the walk so that later questions still resolve.
      if (defaultText !== undefined) {
        const r = q.parse(defaultText, input.ctx, a);
        if (!('error' in r)) set(a, q.key, r.value);
      }
    }
  }
  if (missing.length > 0) {
    throw new UsageError(`no terminal to ask on, and ${missing.length} answer${missing.length === 1 ? ' is' : 's are'} missing: ${missing.map((q) => `--${q.flag}`).join(', ')}`,
      'pass them as flags, or --yes to take the defaults (racker bootstrap --dry-run --yes shows what they are)');
  }
  return { answers: a as Answers, sources };
}

function set<K extends AnswerKey>(a: Partial<Answers>, key: K, value: unknown): void {
  a[key] = value as Answers[K];
}
