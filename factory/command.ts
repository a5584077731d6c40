/** `racker factory [check|reset|gen-ssh-key]`: the factory technician's commands. */
import { readFile } from 'node:fs/promises';
import { writeLine, type CliContext } from '../agent/cli-kit/context.js';
import { parseCommandArgs } from '../agent/cli-kit/args.js';
import { UsageError } from '../agent/lib/errors.js';
import { loadConfigLenient } from '../agent/config/load-lenient.js';
import { factoryCheck, renderCheckReport } from './check.js';
import { runFactoryEditor } from './editor.js';
import { loadInventory } from '../agent/inventory/inventory.js';
import { exec } from '../agent/lib/exec.js';
import { BmcLayerProbe, liveCheck, renderLiveReport } from './live-check.js';
import { BmcPool } from '../agent/bmc/pool.js';
import { silentLogger } from '../agent/lib/log.js';
import { confirm } from './confirm.js';
import { describePlan, executeReset, planReset, refuseWhileAgentRuns } from './reset.js';
import { generateSshKey } from './ssh-key.js';
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';

const USAGE = `racker factory [--config FILE]
       racker factory check [--live] [--json] [--config FILE]
       racker factory reset [--nodes] [--racker-version] [--yes] [--config FILE]
       racker factory gen-ssh-key [--force] [--print-private] [--config FILE]`;

const HELP = `usage: ${USAGE}

Without a subcommand: the editor for the rack metadata (a full-screen terminal UI, 80x24 or
larger): BMC credentials, the nodes table, MACs discovered on the internal network, and a summary
before it saves nodes.csv, ipmi_user and ipmi_password.

Subcommands:
  check         validate nodes.csv, the BMC credentials and the configuration; print every problem
                with its file and line and how to fix it, then a summary of the rack. Exit 0 when
                valid, 1 when not. Reads only; changes nothing.
                --live  also reach every BMC with the credentials (chassis power status, in
                        parallel) and list which MACs got a DHCP lease on the internal network;
                        exit 1 when a BMC does not answer.
  reset         before hand-over: says exactly what it will remove, asks (unless --yes), then
                does only that. At least one of:
                --nodes           nodes.csv back to its header only (a backup is kept) and
                                  racker's per-node state in the state directory removed
                --racker-version  remove the racker version marker (<stateDir>/racker-version),
                                  so the first bootstrap updates racker to the newest release
                --yes             do not ask (needed when stdin is not a terminal)
  gen-ssh-key   create the rack's ed25519 key pair as <etcDir>/ssh/id_ed25519 (0600) and print
                the public key. --force replaces an existing key; --print-private also prints
                the private key, for handing over to the customer.

Exit status: 0 success, 1 failure (or not confirmed), 2 usage error.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (sub === undefined || sub.startsWith('-')) return editor(args, ctx);
  switch (sub) {
    case 'check': return check(rest, ctx);
    case 'reset': return reset(rest, ctx);
    case 'gen-ssh-key': return sshKey(rest, ctx);
    default: throw new UsageError(`unknown factory subcommand "${sub}"`, `usage: ${USAGE}`);
  }
}

async function editor(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {}, USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  const { config } = await loadConfigLenient({ flag: values.config, env: ctx.env });
  return runFactoryEditor(config, ctx);
}

async function check(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { live: { type: 'boolean' } }, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${USAGE}`);
  const { config, problems } = await loadConfigLenient({ flag: values.config, env: ctx.env });
  const report = await factoryCheck(config, problems);
  if (values.live !== true || !report.valid) {
    writeLine(ctx.stdout, values.json === true ? JSON.stringify(report, null, 2) : renderCheckReport(report));
    if (values.live === true && values.json !== true) writeLine(ctx.stdout, 'live check skipped: fix the problems above first');
    return report.valid ? 0 : 1;
  }
  const { inventory } = await loadInventory(config);
  const pool = new BmcPool(config.bmc, { log: silentLogger() });
  const live = await liveCheck(inventory, config, new BmcLayerProbe(pool, config, inventory)).finally(() => pool.close());
  const ok = live.bmcs.every((b) => b.reachable);
  writeLine(ctx.stdout, values.json === true ? JSON.stringify({ ...report, live }, null, 2) : `${renderCheckReport(report)}\n${renderLiveReport(live)}`);
  return ok ? 0 : 1;
}

async function reset(args: string[], ctx: CliContext): Promise<number> {
  const usage = 'racker factory reset [--nodes] [--racker-version] [--yes] [--config FILE]';
  const { values, positionals } = parseCommandArgs(args, { nodes: { type: 'boolean' }, 'racker-version': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } }, usage);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${usage}`);
  if (values.nodes !== true && values['racker-version'] !== true) {
    throw new UsageError('say what to reset: --nodes, --racker-version, or both', `usage: ${usage}`);
  }
  const { config } = await loadConfigLenient({ flag: values.config, env: ctx.env });
  if (values.nodes === true) await refuseWhileAgentRuns(config);
  const plan = await planReset(config, { nodes: values.nodes === true, rackerVersion: values['racker-version'] === true });
  for (const l of describePlan(plan)) writeLine(ctx.stdout, l);
  if (plan.steps.length === 0) {
    writeLine(ctx.stdout, 'nothing to reset');
    return 0;
  }
  if (values.yes !== true && !(await confirm(ctx, 'Go ahead?', '--yes'))) {
    throw new RackerError(ErrorCodes.notConfirmed, 'reset not confirmed; nothing was changed');
  }
  for (const l of await executeReset(plan)) writeLine(ctx.stdout, l);
  return 0;
}

async function sshKey(args: string[], ctx: CliContext): Promise<number> {
  const usage = 'racker factory gen-ssh-key [--force] [--print-private] [--config FILE]';
  const { values, positionals } = parseCommandArgs(args, { force: { type: 'boolean' }, 'print-private': { type: 'boolean' } }, usage);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `usage: ${usage}`);
  const { config } = await loadConfigLenient({ flag: values.config, env: ctx.env });
  const key = await generateSshKey(config.paths.etcDir, { force: values.force === true, exec });
  if (values.json === true) {
    writeLine(ctx.stdout, JSON.stringify({ privateKeyPath: key.privateKeyPath, publicKeyPath: key.publicKeyPath, publicKey: key.publicKey, replaced: key.replaced }));
  } else {
    writeLine(ctx.stdout, `${key.replaced ? 'replaced' : 'created'} ${key.privateKeyPath} (0600) and ${key.publicKeyPath}`);
    writeLine(ctx.stdout, 'Public key:');
    writeLine(ctx.stdout, key.publicKey);
  }
  if (values['print-private'] === true) {
    writeLine(ctx.stdout, 'Private key (hand it over to the customer; it is printed only because --print-private was given):');
    ctx.stdout.write(await readFile(key.privateKeyPath, 'utf8'));
  }
  return 0;
}
