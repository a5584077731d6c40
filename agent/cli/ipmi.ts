/**
 * `racker ipmi <node|--all> [action]`: talk to one BMC or all of them in parallel. Nodes are named
 * by any MAC of their row, host name or row number; BMC settings come from the address plan and
 * bmc.nodes. --all prints one line per node and a count, and fails if any node failed.
 */
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { ErrorCodes, RackerError, UsageError, isRackerError } from '../lib/errors.js';
import { loadConfig } from '../config/load.js';
import { loadInventory, type Inventory } from '../inventory/inventory.js';
import { createLogger } from '../lib/log.js';
import { exec } from '../lib/exec.js';
import { BmcPool } from '../bmc/pool.js';
import { findNode, nodeBmc, type NodeBmc } from '../bmc/targets.js';
import { ACTION_USAGE, parseAction, renderDetail, runAction, summarize, type ActionValue } from '../bmc/actions.js';
import { describeBootFlags } from '../bmc/ipmi/commands.js';
import { openConsole } from '../bmc/ipmitool/console.js';
import { DETACH_HINT, runSolConsole } from './sol-terminal.js';
import type { Config } from '../config/schema.js';
import { normalizeMac } from '../lib/mac.js';

const USAGE = 'racker ipmi <node|--all> [ACTION] [--once] [--legacy] [--json] [--config FILE]';
const HELP = `usage: ${USAGE}

Talk to a node's BMC. <node> is a primary, BMC or secondary MAC (any format), a host name or a
row number of nodes.csv; --all runs the action on every node in parallel.

Actions (default diag):
  ${ACTION_USAGE.split(' | ').join('\n  ')}

  diag      MACs, addresses, BMC reachability, power and boot flags in words, and the BMC's
            quirks racker detected and adapts to (Redfish: found with writes of the values the
            BMC already has, e.g. "ETag required", "boot mode read-only")
  console   serial console (SOL) over racker's own RMCP+ session, no ipmitool needed (through
            ipmitool for nodes pinned to that driver); drops a dangling SOL session first;
            ~. at the start of a line detaches
  bootdev   persistent and UEFI unless --once / --legacy (ipmitool's default is the next boot
            only, legacy BIOS); read back afterwards
  sel       the System Event Log: list (default, laid out as ipmitool sel list), info, clear
  fru       FRU 0: chassis, board and product inventory (manufacturer, names, serials)
  mc        the BMC: info (Get Device ID), reset cold|warm (the BMC restarts, not the server)
  lan       lan print [CHANNEL]: the BMC's IP source, address, mask, MAC, gateway, VLAN, cipher
            suites (channel 1 unless given)
  chassis   chassis status: power, faults, restore policy, last power event, intrusion, lockout
  Over Redfish: sel uses the SEL log service, fru the system's and chassis' asset fields (with
  SKU, BIOS version, memory, processors), mc info the Manager, lan print the Manager's Nth
  network interface; a field the BMC leaves out shows "not reported by this BMC". mc reset is
  the Manager's Reset action (cold: ForceRestart, warm: GracefulRestart, when the BMC allows
  it). console is IPMI's: over Redfish it fails with RACKER_E_BMC_UNSUPPORTED

Exit status: 0 success, 1 failure (with --all: any node failed), 2 usage error.`;

interface NodeOutcome {
  node: string;
  row: number;
  bmc: string;
  ok: boolean;
  value?: ActionValue;
  error?: { code: string; message: string; hint?: string };
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { all: { type: 'boolean' }, once: { type: 'boolean' }, legacy: { type: 'boolean' } }, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  const all = values.all === true;
  if (!all && positionals.length === 0) throw new UsageError('name a node or use --all', `usage: ${USAGE}`);
  const action = parseAction(all ? positionals : positionals.slice(1), { once: values.once, legacy: values.legacy });
  if (all && action.kind === 'console') throw new UsageError('console takes one node, not --all');
  const config = await loadConfig({ flag: values.config, env: ctx.env });
  const { inventory } = await loadInventory(config);
  const log = createLogger({ mode: 'cli', level: values.debug === true ? 'debug' : 'warn' });
  const pool = new BmcPool(config.bmc, { log, exec });
  try {
    if (action.kind === 'console') {
      const n = nodeBmc(config, inventory, findNode(inventory, positionals[0] as string));
      if (n.driver === 'redfish') {
        throw new RackerError(ErrorCodes.bmcUnsupported, `the console is serial over LAN, which is IPMI: not supported over Redfish (node ${n.target.node})`,
          { hint: 'where the BMC also speaks IPMI, pin the ipmi driver for this node (bmc.nodes."<BMC MAC>".driver: ipmi); else use the BMC\'s web console' });
      }
      ctx.stderr.write(`Opening the serial console of ${n.target.node} (BMC ${n.target.address}); ${DETACH_HINT}\n`);
      if (n.driver === 'ipmi') return await runSolConsole(n, config.bmc, ctx, log);
      const tries = config.bmc.retries + 1;
      return await openConsole({
        program: config.bmc.ipmitool, password: n.target.password, exec,
        connection: { address: n.target.address, port: n.target.port, user: n.target.user, cipherSuite: n.cipherSuites[0] ?? 3, timeoutSec: Math.max(1, Math.ceil(config.bmc.timeoutMs / 1000 / tries)), retries: tries },
      });
    }
    if (!all) {
      const n = nodeBmc(config, inventory, findNode(inventory, positionals[0] as string));
      const value = await runAction(pool.client(n), action);
      if (values.json === true) writeLine(ctx.stdout, JSON.stringify({ node: n.target.node, row: n.node.row, bmc: n.target.address, ...value }, null, 2));
      else writeLine(ctx.stdout, value.kind === 'diag' ? renderDiag(n, value) : renderDetail(value));
      return value.kind === 'diag' && value.status === undefined ? 1 : 0;
    }
    const outcomes = await Promise.all(allNodes(config, inventory).map(async (row): Promise<NodeOutcome> => {
      let bmc = '-';
      try {
        const n = nodeBmc(config, inventory, row);
        bmc = `${n.target.address}${n.target.port === 623 ? '' : `:${n.target.port}`}`;
        const value = await runAction(pool.client(n), action);
        const failed = value.kind === 'diag' && value.status === undefined;
        return { node: row.hostname, row: row.row, bmc, ok: !failed, value };
      } catch (e) {
        if (!isRackerError(e)) throw e;
        return { node: row.hostname, row: row.row, bmc, ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
      }
    }));
    const failed = outcomes.filter((o) => !o.ok).length;
    if (values.json === true) {
      writeLine(ctx.stdout, JSON.stringify({ results: outcomes, succeeded: outcomes.length - failed, failed }, null, 2));
    } else {
      const w = Math.max(...outcomes.map((o) => o.node.length));
      for (const o of outcomes) {
        const what = o.error !== undefined ? `FAILED ${o.error.code}: ${o.error.message}` : summarize(o.value as ActionValue);
        writeLine(ctx.stdout, `${o.node.padEnd(w)}  ${o.bmc.padEnd(15)}  ${what}`);
      }
      writeLine(ctx.stdout, `${outcomes.length - failed} of ${outcomes.length} nodes succeeded${failed > 0 ? `, ${failed} failed` : ''}`);
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await pool.close();
  }
}

/** Every node with a BMC to talk to: the workers, and the management node when its BMC is pinned. */
function allNodes(config: Config, inventory: Inventory): Inventory['nodes'] {
  return inventory.nodes.filter((n) => !n.isManagement || Object.keys(config.bmc.nodes).some((mac) => normalizeMac(mac) === n.bmcMac));
}

function renderDiag(n: NodeBmc, v: Extract<ActionValue, { kind: 'diag' }>): string {
  const lines = [
    `node             ${n.target.node} (row ${n.node.row}${n.node.nodeType === '' ? '' : `, ${n.node.nodeType}`})`,
    `primary MAC      ${n.node.primaryMac}   address ${n.node.address ?? '-'}`,
    `secondary MAC    ${n.node.secondaryMac}`,
    `BMC MAC          ${n.node.bmcMac}   address ${n.target.address} port ${n.target.port} (${n.driver})`,
    `BMC reachable    ${v.reachable ? 'yes' : 'no'}`,
  ];
  if (v.status !== undefined) {
    lines.push(`power            ${v.status.power}${v.status.transition === undefined ? '' : ` (${v.status.transition.replace('-', ' ')})`}${v.status.faults.length > 0 ? ` (${v.status.faults.join(', ')})` : ''}`);
    lines.push(`restore policy   ${v.status.restorePolicy}`);
  }
  if (v.boot !== undefined) lines.push(`boot flags       ${describeBootFlags(v.boot)}${v.boot.raw === undefined ? '' : ` [${v.boot.raw}]`}`);
  if (v.status !== undefined) lines.push(`adapted to       ${v.quirks.length === 0 ? 'nothing (no quirk detected)' : v.quirks[0]}`, ...v.quirks.slice(1).map((q) => `                 ${q}`));
  for (const e of v.errors) lines.push(`error            ${e}`);
  return lines.join('\n');
}
