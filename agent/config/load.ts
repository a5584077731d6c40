/**
 * Load the configuration: read the file and return it validated and frozen (parse.ts validates,
 * collecting every problem with file, line and path). A missing default file means "all defaults";
 * a missing file named by --config or RACKER_CONFIG is an error.
 *
 * Validation needs yaml and zod, which cost more to load than a short command like `racker status`
 * spends on everything else (bench/agent). So a file that validated once is remembered in a
 * snapshot next to it (checked-config.ts), and later runs with the same text, environment and
 * racker code take the snapshot without loading either.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from './schema.js';
import { configFilePath, type Env } from './paths.js';
import { readCheckedConfig, writeCheckedConfig } from './checked-config.js';
import { ErrorCodes, RackerError, isENOENT, isEISDIR, errorMessage, formatProblem } from '../lib/errors.js';

export interface LoadConfigOptions {
  /** Value of --config. */
  flag?: string;
  env?: Env;
  /** Where the configuration's warnings (config.warnings) go; default stderr, which is journald's for the agent. */
  warn?: (line: string) => void;
}

/** Every load says what the file should change (old setting names), each time: the file still has them. */
function warnAbout(config: Config, o: LoadConfigOptions): Config {
  const warn = o.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const w of config.warnings) warn(`warning: ${formatProblem(w)}`);
  return config;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? process.env;
  const { path, explicit } = configFilePath(options.flag, env);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isENOENT(e) && !explicit) text = undefined;
    else if (isENOENT(e)) throw new RackerError(ErrorCodes.config, `configuration file ${path} does not exist`, { hint: 'check --config or RACKER_CONFIG' });
    else if (isEISDIR(e)) throw new RackerError(ErrorCodes.config, `configuration file ${path} is a directory`);
    else throw new RackerError(ErrorCodes.config, `cannot read configuration file ${path}: ${errorMessage(e)}`, { cause: e });
  }
  if (text !== undefined) {
    const checked = await readCheckedConfig(path, text, env);
    if (checked !== undefined) return warnAbout(checked, options);
  }
  const { parseConfig } = await import('./parse.js');
  const config = parseConfig(text ?? '', text === undefined ? undefined : path, env);
  if (text !== undefined) await writeCheckedConfig(path, text, env, config);
  return warnAbout(config, options);
}
