/**
 * `racker factory` without a subcommand: load what the OEM directory holds, build the editor's
 * collaborators (save to the OEM directory, import from a path, discovery from the agent), and run
 * the blessed editor, loaded only now.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { CliContext } from '../agent/cli-kit/context.js';
import { writeLine } from '../agent/cli-kit/context.js';
import type { Config } from '../agent/config/schema.js';
import { oemFiles } from '../agent/config/paths.js';
import { readCredentials } from '../agent/inventory/credentials.js';
import { listLocalInterfaces } from '../agent/inventory/local-interfaces.js';
import { UsageError, isENOENT, errorMessage } from '../agent/lib/errors.js';
import { agentSocketPath, requestReload } from './agent-client.js';
import { AgentDiscoverySource } from './discovery.js';
import { saveMetadata } from './save.js';
import { emptyTable, importCsv, tableToCsv, type Table } from './table-model.js';
import { initialState, isDirty } from './session.js';
import type { SessionState, Status } from './session-state.js';
import type { CredentialsInput } from './credentials-input.js';

export async function runFactoryEditor(config: Config, ctx: CliContext): Promise<number> {
  if (ctx.stdout.isTTY !== true || ctx.stdin.isTTY !== true) {
    throw new UsageError('`racker factory` without a subcommand is an interactive editor and needs a terminal',
      'run it in a terminal (80x24 or larger), or use `racker factory check | reset | gen-ssh-key`');
  }
  const state = await loadSession(config);
  const { runEditor } = await import('./tui/app.js');
  const socket = agentSocketPath(config.paths.runDir);
  const final = await runEditor(state, {
    save: (s) => saveMetadata(config.paths.oemDir, { nodesCsv: tableToCsv(s.table), user: s.creds.user, password: s.creds.password },
      { reload: () => requestReload(socket) }),
    importFile: async (path) => importCsv(await readFile(expandHome(path, ctx.env.HOME))),
    discovery: new AgentDiscoverySource(config.paths),
  });
  if (isDirty(final)) writeLine(ctx.stdout, 'racker factory: left without saving the last changes');
  else if (final.lastSave !== undefined) writeLine(ctx.stdout, `racker factory: saved to ${config.paths.oemDir}; check it with \`racker factory check\``);
  return 0;
}

/** The editor's starting point: the OEM directory's current nodes.csv and credentials. */
export async function loadSession(config: Config): Promise<SessionState> {
  const files = oemFiles(config.paths.oemDir);
  let table: Table = emptyTable();
  let status: Status | undefined;
  try {
    const r = importCsv(await readFile(files.nodesCsv));
    if (r.table !== undefined) table = r.table;
    else status = { tone: 'error', text: `${files.nodesCsv} could not be read (${r.error ?? '?'}); saving replaces it (a backup is kept)` };
  } catch (e) {
    if (!isENOENT(e)) status = { tone: 'error', text: `cannot read ${files.nodesCsv}: ${errorMessage(e)}` };
  }
  const creds = await loadCredentials(config.paths.oemDir, files.ipmiUser);
  const interfaces = await listLocalInterfaces(config.paths.sysClassNet);
  const ctx = { interfaces, hostnamePattern: config.network.hostnamePattern, subnet: config.network.subnet, discoveryPoolSize: config.network.discoveryPoolSize };
  return initialState({ table, creds, ctx, oemDir: config.paths.oemDir, status });
}

async function loadCredentials(oemDir: string, userFile: string): Promise<CredentialsInput> {
  const r = await readCredentials(oemDir);
  if (r.credentials !== undefined) return { user: r.credentials.user, password: r.credentials.password, confirm: r.credentials.password };
  const user = await readFile(userFile, 'utf8').then((t) => t.replace(/\r?\n$/, ''), () => '');
  return { user: /[\r\n]/.test(user) ? '' : user, password: '', confirm: '' };
}

export function expandHome(path: string, home = homedir()): string {
  return resolve(path === '~' ? home : path.startsWith('~/') ? `${home}/${path.slice(2)}` : path);
}
