/** Loading a configuration for the checkers, which report every problem instead of stopping at the first. */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { yamlToJs } from '../lib/yaml-lines.js';
import type { Config } from './schema.js';
import { configFilePath } from './paths.js';
import { ErrorCodes, ValidationError, type Problem } from '../lib/errors.js';
import { loadConfig, type LoadConfigOptions } from './load.js';
import { parseConfig, schemaFor } from './parse.js';
import { deepFreeze } from './checked-config.js';

/**
 * For checkers that must report every problem: load the configuration, and when it is invalid,
 * return its problems together with a usable configuration in which each invalid top-level section
 * is replaced by its defaults, so the other checks can still run.
 */
export async function loadConfigLenient(options: LoadConfigOptions = {}): Promise<{ config: Config; problems: Problem[] }> {
  try {
    return { config: await loadConfig(options), problems: [] };
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const env = options.env ?? process.env;
    const { path } = configFilePath(options.flag, env);
    const text = await readFile(path, 'utf8');
    const doc = parseDocument(text);
    let raw: Record<string, unknown> | null = {};
    try {
      if (doc.errors.length === 0) raw = yamlToJs(doc, path, ErrorCodes.config) as Record<string, unknown> | null;
    } catch {
      raw = {}; // the problem is in e.problems already; nothing salvageable
    }
    const bad = new Set(e.problems.map((p) => (p.field ?? '').split('.')[0] ?? ''));
    const salvaged = Object.fromEntries(Object.entries(raw ?? {}).filter(([k]) => !bad.has(k)));
    let config: Config;
    try {
      config = deepFreeze({ ...schemaFor(env).parse(salvaged), source: path, warnings: [] });
    } catch {
      config = parseConfig('', undefined, env); // nothing salvageable: all defaults
    }
    return { config, problems: [...e.problems] };
  }
}
