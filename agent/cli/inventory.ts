/**
 * `racker inventory [NODE] [--json]`: the hardware each node reported from its install boot (model,
 * serial, CPUs, memory, NICs, disks) and the changes seen between two inspections. Read from the
 * agent, or from its persisted state when it is not running, as `racker status` does.
 */
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { UsageError } from '../lib/errors.js';
import { loadConfig } from '../config/load.js';
import { AgentClient } from '../api/client.js';
import { readSocketPath } from '../api/socket-path.js';
import { nodesNamed } from '../inventory/node-ref.js';
import type { NodeRecord } from '../state/records.js';
import { collectStatus } from './status-source.js';
import { renderInventoryNode, renderInventoryTable } from './inventory-render.js';
import { terminalSafe } from '../cli-kit/terminal-text.js';
import { serialMismatch } from '../inventory/serial-match.js';

const USAGE = 'racker inventory [NODE] [--json] [--config FILE]';
const HELP = `usage: ${USAGE}

The hardware every node reported when it last booted the installer (racker bootstrap): model and
serial number (DMI), CPUs, memory and disks, one row per node; and what its BMC says about it (FRU
over IPMI, the System over Redfish: serial, model, BIOS version), read at the bootstrap's BMC check.
A BMC serial that is not the server's own is flagged MISMATCH: the wrong server is cabled to that
BMC, or the row's MACs belong to another server. With NODE (host name, MAC or row):
everything that node reported, NICs and disks in full (model, serial, WWN, transport, file
systems), and the hardware changes seen between two inspections (a disk, NIC or memory swapped).

  --json    machine-readable: the nodes' hardware records, BMC facts and any serial mismatch

When the agent is not running, the last persisted state is shown.`;

const names = (n: NodeRecord) => ({ macs: [n.mac, n.bmc.mac, n.secondaryMac], hostname: n.hostname, row: n.row });

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {}, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, `usage: ${USAGE}`);
  const config = await loadConfig({ flag: values.config, env: ctx.env });
  const view = await collectStatus({ client: new AgentClient({ socketPath: readSocketPath(config.paths.runDir), timeoutMs: 3_000 }), stateDir: config.paths.stateDir, stderr: ctx.stderr }, false);
  if (view.source === 'persisted') ctx.stderr.write(`note: the racker agent is not running; this is its state as saved ${view.savedAt ?? ''}\n`);
  let nodes = view.nodes.filter((n) => n.inInventory);
  const ref = positionals[0];
  if (ref !== undefined) {
    nodes = nodesNamed(nodes, ref, names);
    if (nodes.length === 0) throw new UsageError(`no node named "${ref}"`, 'name a node by host name, MAC or nodes.csv row, as racker status lists them');
  }
  if (values.json === true) {
    writeLine(ctx.stdout, JSON.stringify(nodes.map((n) => ({ node: n.hostname, mac: n.mac, hardware: n.hardware ?? null, bmc: n.bmcFacts ?? null, serialMismatch: serialMismatch(n.bmcFacts, n.hardware?.current) ?? null }))));
    return 0;
  }
  const safe = terminalSafe(nodes);
  writeLine(ctx.stdout, ref === undefined ? renderInventoryTable(safe, new Date()) : safe.map((n) => renderInventoryNode(n, new Date())).join('\n\n'));
  return 0;
}
