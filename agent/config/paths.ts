/**
 * Where racker reads and writes. Every path has a default, can be set by environment variable, and
 * can be set in the configuration file (which wins). Tests and the simulator use this to run
 * against temporary directories; nothing hard-codes a system path elsewhere.
 */
import { join } from 'node:path';

export const PATH_ENV = {
  oemDir: 'RACKER_OEM_DIR',
  etcDir: 'RACKER_ETC_DIR',
  stateDir: 'RACKER_STATE_DIR',
  runDir: 'RACKER_RUN_DIR',
  sysClassNet: 'RACKER_SYS_CLASS_NET',
} as const;

export const PATH_DEFAULTS = {
  oemDir: '/usr/share/oem',
  etcDir: '/etc/racker',
  stateDir: '/var/lib/racker',
  runDir: '/run/racker',
  sysClassNet: '/sys/class/net',
} as const;

export type PathKey = keyof typeof PATH_DEFAULTS;
export type Env = Readonly<Record<string, string | undefined>>;

/** The default for each path after the environment has had its say. */
export function envPathDefaults(env: Env): Record<PathKey, string> {
  const out = {} as Record<PathKey, string>;
  for (const key of Object.keys(PATH_DEFAULTS) as PathKey[]) {
    const v = env[PATH_ENV[key]];
    out[key] = v !== undefined && v !== '' ? v : PATH_DEFAULTS[key];
  }
  return out;
}

/** The configuration file to read: --config, then RACKER_CONFIG, then racker.yaml in the etc dir. */
export function configFilePath(flag: string | undefined, env: Env): { path: string; explicit: boolean } {
  if (flag !== undefined && flag !== '') return { path: flag, explicit: true };
  const fromEnv = env.RACKER_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { path: fromEnv, explicit: true };
  return { path: join(envPathDefaults(env).etcDir, 'racker.yaml'), explicit: false };
}

/** Files derived from the directories, named once here. */
export function oemFiles(oemDir: string): { nodesCsv: string; ipmiUser: string; ipmiPassword: string } {
  return {
    nodesCsv: join(oemDir, 'nodes.csv'),
    ipmiUser: join(oemDir, 'ipmi_user'),
    ipmiPassword: join(oemDir, 'ipmi_password'),
  };
}
