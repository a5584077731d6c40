/**
 * Validate configuration text against the schema, collecting every problem (each located by file,
 * line and path), and return it frozen. This module loads yaml and zod; load.ts imports it only
 * when a configuration has not been checked before (load.ts says why).
 */
import { LineCounter, parseDocument } from 'yaml';
import { yamlLineOf, yamlToJs } from '../lib/yaml-lines.js';
import { configSchema, type Config } from './schema.js';
import { envPathDefaults, type Env } from './paths.js';
import { defaultIpxeDir } from './ipxe-dir.js';
import { ErrorCodes, ValidationError, type Problem } from '../lib/errors.js';
import { deepFreeze } from './checked-config.js';
import { durationProblem } from './durations.js';
import { applyRenames } from './renamed.js';

/** Validate configuration text. Exported for tests and for `factory check`. */
export function parseConfig(text: string, file: string | undefined, env: Env = process.env): Config {
  const name = file ?? '(defaults)';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ValidationError(ErrorCodes.config, `${name} is not valid YAML`, doc.errors.map((err) => ({
      file: name, line: lines.linePos(err.pos[0]).line, message: err.message.split('\n')[0] ?? err.message,
    })));
  }
  const parsed: unknown = yamlToJs(doc, name, ErrorCodes.config) ?? {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError(ErrorCodes.config, `${name} is not valid`, [{ file: name, line: 1, message: 'the top level must be a mapping (key: value)' }]);
  }
  const { raw, warnings, problems: renameProblems, readFrom } = applyRenames(parsed as Record<string, unknown>, name, (path) => yamlLineOf(doc.contents, path, lines));
  const result = schemaFor(env).safeParse(raw);
  if (!result.success || renameProblems.length > 0) {
    const problems: Problem[] = [...renameProblems, ...(result.error?.issues ?? []).map((issue) => {
      const path = issue.path.map(String);
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const fullPath = keys.length === 1 ? [...path, keys[0] as string] : path;
      const duration = issue.code === 'invalid_type' ? durationProblem(path, valueAt(raw, path)) : undefined;
      // A value read under a setting's old name is shown where the file has it, by that name.
      const inFile = readFrom.get(fullPath.join('.')) ?? fullPath;
      return {
        file: name,
        line: yamlLineOf(doc.contents, inFile, lines),
        field: inFile.length > 0 ? inFile.join('.') : '(top level)',
        message: issue.code === 'unrecognized_keys' ? `unknown setting${keys.length > 1 ? `s ${keys.join(', ')}` : ''}` : duration?.message ?? issue.message,
        hint: issue.code === 'unrecognized_keys' ? 'check the spelling against docs/configuration.md' : duration?.hint,
      };
    })];
    throw new ValidationError(ErrorCodes.config, `${name} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems);
  }
  return deepFreeze({ ...result.data, warnings, source: file }); // source last, as a snapshot gives it back (checked-config.ts)
}

/** The value at `path` in the parsed YAML (for messages about it). */
function valueAt(raw: unknown, path: readonly string[]): unknown {
  let v = raw;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** The schema with the defaults of this environment and of the tree racker runs from. */
export function schemaFor(env: Env): ReturnType<typeof configSchema> {
  return configSchema(envPathDefaults(env), defaultIpxeDir());
}
