/**
 * A subset of Butane (variant flatcar, versions 1.0.0 and 1.1.0) translated to Ignition 3.3 without
 * the butane binary: users with SSH keys and groups, files (inline or remote contents, append),
 * directories, links, and systemd units with drop-ins. Anything else is reported with its line, so a
 * snippet never loses a setting silently; use an Ignition (.ign) snippet for the rest.
 */
import { z } from 'zod';
import { LineCounter, parseDocument, type ScalarTag, type Tags } from 'yaml';
import { yamlLineOf, yamlToJs } from '../../agent/lib/yaml-lines.js';
import { ErrorCodes, ValidationError, type Problem } from '../../agent/lib/errors.js';
import { dataSource } from './builders.js';
import { IGNITION_VERSION, type IgnitionConfig, type IgnitionFile, type NodeUser, type Resource } from './types.js';

const owner = z.strictObject({ id: z.number().int().optional(), name: z.string().optional() });
const resource = z.strictObject({
  inline: z.string().optional(),
  source: z.string().regex(/^(https?|s3|tftp|data|gs|arn):/, 'must be a URL (http, https, tftp, s3, gs, data)').optional(),
  compression: z.literal('gzip').optional(),
  verification: z.strictObject({ hash: z.string().regex(/^sha(256|512)-[0-9a-f]+$/, 'must be sha256-<hex> or sha512-<hex>') }).optional(),
}).refine((r) => !(r.inline !== undefined && r.source !== undefined), 'give inline or source, not both');
const absolutePath = z.string().regex(/^\//, 'must be an absolute path');

const butaneSchema = z.strictObject({
  variant: z.literal('flatcar', { error: 'racker snippets are Butane variant "flatcar"' }),
  version: z.enum(['1.0.0', '1.1.0'], { error: 'version must be 1.0.0 or 1.1.0' }),
  passwd: z.strictObject({
    users: z.array(z.strictObject({
      name: z.string().min(1),
      ssh_authorized_keys: z.array(z.string()).optional(),
      groups: z.array(z.string()).optional(),
      password_hash: z.string().optional(),
      home_dir: z.string().optional(),
      shell: z.string().optional(),
    })).optional(),
  }).optional(),
  storage: z.strictObject({
    files: z.array(z.strictObject({
      path: absolutePath, mode: z.number().int().min(0).max(0o7777).optional(), overwrite: z.boolean().optional(),
      user: owner.optional(), group: owner.optional(), contents: resource.optional(), append: z.array(resource).optional(),
    })).optional(),
    directories: z.array(z.strictObject({ path: absolutePath, mode: z.number().int().optional(), overwrite: z.boolean().optional(), user: owner.optional(), group: owner.optional() })).optional(),
    links: z.array(z.strictObject({ path: absolutePath, target: z.string().min(1), hard: z.boolean().optional(), overwrite: z.boolean().optional(), user: owner.optional(), group: owner.optional() })).optional(),
  }).optional(),
  systemd: z.strictObject({
    units: z.array(z.strictObject({
      name: z.string().regex(/^[\w@:.\\-]+\.(service|socket|timer|target|mount|automount|path|slice|scope|device|swap)$/, 'must be a unit name like foo.service'),
      enabled: z.boolean().optional(), mask: z.boolean().optional(), contents: z.string().optional(),
      dropins: z.array(z.strictObject({ name: z.string().regex(/\.conf$/, 'must end in .conf'), contents: z.string().optional() })).optional(),
    })).optional(),
  }).optional(),
});

type Butane = z.output<typeof butaneSchema>;

/**
 * Butane reads `mode: 0644` as octal (go-yaml), YAML 1.2 as decimal 644; modes are always written
 * that way, so a leading zero means octal here too.
 */
const legacyOctal: ScalarTag = { identify: (v) => typeof v === 'number', default: true, tag: 'tag:yaml.org,2002:int', format: 'OCT', test: /^0[0-7]+$/, resolve: (s) => parseInt(s, 8) };

/** Parse and translate one Butane snippet. Problems carry file, line and the setting's path. */
export function butaneToIgnition(text: string, file: string): { config?: IgnitionConfig; problems: Problem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, customTags: (tags: Tags) => [legacyOctal, ...tags] });
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => ({ file, line: lines.linePos(e.pos[0]).line, message: `not valid YAML: ${e.message.split('\n')[0] ?? e.message}` })) };
  }
  let raw: unknown;
  try {
    raw = yamlToJs(doc, file, ErrorCodes.plan);
  } catch (e) {
    if (e instanceof ValidationError) return { problems: [...e.problems] };
    throw e;
  }
  const result = butaneSchema.safeParse(raw ?? {});
  if (!result.success) {
    return {
      problems: result.error.issues.map((issue) => {
        const extra = issue.code === 'unrecognized_keys' ? [issue.keys[0] as string] : [];
        const path = [...issue.path.map(String), ...extra];
        return {
          file, line: yamlLineOf(doc.contents, path, lines), field: path.join('.') || '(top level)',
          message: issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')}: not supported in racker's Butane subset` : issue.message,
          hint: issue.code === 'unrecognized_keys' ? 'write this part as an Ignition (.ign) snippet, or check the spelling' : undefined,
        };
      }),
    };
  }
  return { config: translate(result.data), problems: [] };
}

function translate(b: Butane): IgnitionConfig {
  const c: IgnitionConfig = { ignition: { version: IGNITION_VERSION } };
  const own = (o?: { id?: number; name?: string }): NodeUser | undefined => o;
  if (b.passwd?.users !== undefined) {
    c.passwd = {
      users: b.passwd.users.map((u) => prune({
        name: u.name, sshAuthorizedKeys: u.ssh_authorized_keys, groups: u.groups, passwordHash: u.password_hash, homeDir: u.home_dir, shell: u.shell,
      })),
    };
  }
  if (b.storage !== undefined) {
    c.storage = prune({
      files: b.storage.files?.map((f) => prune<IgnitionFile>({
        path: f.path, mode: f.mode, overwrite: f.overwrite, user: own(f.user), group: own(f.group),
        contents: f.contents === undefined ? undefined : resourceOf(f.contents), append: f.append?.map(resourceOf),
      })),
      directories: b.storage.directories?.map((d) => prune({ ...d, user: own(d.user), group: own(d.group) })),
      links: b.storage.links?.map((l) => prune({ ...l, user: own(l.user), group: own(l.group) })),
    });
  }
  if (b.systemd?.units !== undefined) c.systemd = { units: b.systemd.units.map((u) => prune({ ...u })) };
  return c;
}

function resourceOf(r: { inline?: string; source?: string; compression?: 'gzip'; verification?: { hash: string } }): Resource {
  if (r.inline !== undefined) return dataSource(r.inline);
  return prune({ source: r.source, compression: r.compression, verification: r.verification });
}

function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
