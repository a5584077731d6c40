/**
 * The answers to `racker bootstrap`'s questions, and the file in the configuration directory that
 * keeps them so a re-run asks nothing new. The file is validated on load like any configuration:
 * every problem with its line and field.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LineCounter, parseDocument, isMap, isScalar, stringify } from 'yaml';
import { ErrorCodes, ValidationError, isENOENT, type Problem } from '../agent/lib/errors.js';
import { writeFileAtomic } from '../agent/lib/atomic-file.js';
import { parseSubnet } from '../agent/lib/ipv4.js';
import { etcFiles } from '../agent/config/paths.js';
import { yamlToJs } from '../agent/lib/yaml-lines.js';

export const PROVISION_TYPES = ['flatcar', 'kubernetes'] as const;
export type ProvisionType = (typeof PROVISION_TYPES)[number];
export const ADDRESSING_MODES = ['dhcp', 'static'] as const;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SSH_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;

export function checkClusterName(v: string): string | undefined {
  return LABEL.test(v) ? undefined : `"${v}" is not a valid cluster name: use lower-case letters, digits and hyphens (a DNS label, at most 63)`;
}
export function checkDomain(v: string): string | undefined {
  return DOMAIN.test(v) && v.length <= 253 ? undefined : `"${v}" is not a lower-case DNS domain like rack1.example.com`;
}
export function checkSubnet(v: string): string | undefined {
  const s = parseSubnet(v);
  if (typeof s === 'string') return s;
  if (s.prefix < 16 || s.prefix > 28) return `/${s.prefix} is outside the supported /16 to /28`;
  return undefined;
}
export function checkSshKey(v: string): string | undefined {
  return SSH_KEY.test(v.trim()) ? undefined : `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}" is not an OpenSSH public key (ssh-ed25519 AAAA… comment)`;
}

const refined = (check: (v: string) => string | undefined) => (v: string, ctx: z.RefinementCtx): void => {
  const why = check(v);
  if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
};

/** The fields, each validated on its own (a saved file may hold only some). */
export const answerFields = z.strictObject({
  provision: z.enum(PROVISION_TYPES),
  clusterName: z.string().superRefine(refined(checkClusterName)),
  /** Kubernetes only: how many control-plane nodes. */
  controllers: z.union([z.literal(1), z.literal(3)]).optional(),
  /** Kubernetes only: 'any', or the exact node type controllers are drawn from. */
  controllerType: z.string().min(1).optional(),
  publicAddressing: z.enum(ADDRESSING_MODES),
  /** With static addressing: the YAML file of addresses keyed by secondary MAC (absolute path). */
  staticAddressesFile: z.string().regex(/^\//, 'must be an absolute path').optional(),
  domain: z.string().superRefine(refined(checkDomain)),
  internalSubnet: z.string().superRefine(refined(checkSubnet)),
  sshKeys: z.array(z.string().superRefine(refined(checkSshKey))),
});

/** A complete, consistent set of answers. */
export const answersSchema = answerFields.superRefine((a, ctx) => {
  if (a.provision === 'kubernetes' && (a.controllers === undefined || a.controllerType === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['controllers'], message: 'Kubernetes needs the number of controllers and their node type' });
  }
  if (a.publicAddressing === 'static' && a.staticAddressesFile === undefined) {
    ctx.addIssue({ code: 'custom', path: ['staticAddressesFile'], message: 'static public addressing needs the file of addresses' });
  }
});

export type Answers = z.output<typeof answersSchema>;
export type AnswerKey = keyof Answers;

export function answersFile(etcDir: string): string {
  return etcFiles(etcDir).answers;
}

/** Load saved answers; a missing file means none saved. Partial files are allowed (a re-run asks the rest). */
export async function loadAnswers(file: string): Promise<Partial<Answers>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isENOENT(e)) return {};
    throw e;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ValidationError(ErrorCodes.config, `${file} is not valid YAML`, doc.errors.map((err) => ({ file, line: lines.linePos(err.pos[0]).line, message: err.message.split('\n')[0] ?? err.message })));
  }
  const raw: unknown = yamlToJs(doc, file, ErrorCodes.config) ?? {};
  const result = answerFields.partial().safeParse(raw);
  if (!result.success) {
    const problems: Problem[] = result.error.issues.map((issue) => {
      const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path[0];
      let line: number | undefined;
      if (isMap(doc.contents)) {
        const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) line = lines.linePos(range[0]).line;
      }
      return { file, line, field: issue.path.length > 0 ? issue.path.join('.') : String(key ?? '(top level)'), message: issue.code === 'unrecognized_keys' ? `unknown answer ${issue.keys.join(', ')}` : issue.message,
        hint: 'fix or delete the line; racker bootstrap asks again for anything missing' };
    });
    throw new ValidationError(ErrorCodes.config, `${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems);
  }
  return result.data;
}

/** Render the answers file (pure). */
export function renderAnswers(a: Answers): string {
  const header = '# racker bootstrap answers. A re-run uses these without asking; change them with flags\n' +
    '# (racker bootstrap --help) or edit this file. Delete a line to be asked again.\n';
  return header + stringify(a, { lineWidth: 0 });
}

export async function saveAnswers(file: string, a: Answers): Promise<void> {
  await writeFileAtomic(file, renderAnswers(a), { mode: 0o644, mkdirs: true });
}
