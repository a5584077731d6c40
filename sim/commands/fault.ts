/**
 * `racker-sim fault <node> <fault> [percent]`: inject one of the failures real racks show, or
 * `clear` them all on that node. See ../faults.ts for what each one does. A marker per active fault
 * in the node's faults/ directory makes it visible in `status` and drives the chassis program.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLine, type CliContext } from '../../agent/cli-kit/context.js';
import { parseCommandArgs } from '../../agent/cli-kit/args.js';
import { exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError, UsageError } from '../../agent/lib/errors.js';
import { findSimNode, type SimNode } from '../rack-spec.js';
import { FAULTS, isFault, nftTable, renderLossRules, renderNoDhcpRules, type Fault } from '../faults.js';
import { newBmcPassword, nodeDir, simDirs, writeLanConf, SIM_SH_DIR } from '../sim-files.js';
import { readPid, spawnDetached } from '../bmc.js';
import { RACK_OPTIONS, loadRack, rackRef, requireRoot, type LoadedRack } from './common.js';

const USAGE = `racker-sim fault <node> <${FAULTS.join('|')} PERCENT|clear> [--name NAME] [--root DIR]`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, RACK_OPTIONS, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${USAGE}\n\nInject a failure into one node (by name, row or any of its MACs), or clear every fault on it.\n` +
      '  bmc-down         the BMC freezes (ipmi_sim stopped); requests time out\n' +
      '  bmc-slow         the BMC is frozen 0.9 s of every second; answers come late\n' +
      '  wrong-password   the BMC\'s password changes; sessions are refused\n' +
      '  drop-boot-flag   boot-device sets are silently ignored\n' +
      '  no-dhcp          DHCP from the node\'s NIC and its BMC is dropped\n' +
      '  packet-loss P    P % of IPMI packets to and from the BMC are lost\n' +
      '  clear            undo every fault on the node');
    return 0;
  }
  const [nodeKey, kind, extra, ...rest] = positionals;
  if (nodeKey === undefined || kind === undefined) throw new UsageError('fault needs a node and a fault', `usage: ${USAGE}`);
  if (rest.length > 0 || (extra !== undefined && kind !== 'packet-loss')) throw new UsageError(`unexpected argument "${rest[0] ?? extra}"`, `usage: ${USAGE}`);
  if (kind !== 'clear' && !isFault(kind)) throw new UsageError(`unknown fault "${kind}"`, `one of: ${FAULTS.join(', ')}, clear`);
  requireRoot();
  const rack = await loadRack(rackRef(values, ctx));
  const node = findSimNode(rack.spec, nodeKey);
  if (node === undefined) {
    throw new RackerError(ErrorCodes.notFound, `rack ${rack.state.name} has no node "${nodeKey}"`, { hint: `nodes: ${rack.spec.nodes.map((n) => n.name).join(', ')} (or a row number or MAC)` });
  }
  if (kind === 'clear') await clearFaults(rack, node);
  else await injectFault(rack, node, kind, extra);
  writeLine(ctx.stdout, kind === 'clear' ? `${node.name}: faults cleared` : `${node.name}: ${kind}${extra === undefined ? '' : ` ${extra}`}`);
  return 0;
}

function lossPercent(text: string | undefined): number {
  const p = Number(text);
  if (text === undefined || !Number.isInteger(p) || p < 1 || p > 100) throw new UsageError('packet-loss needs a whole percentage from 1 to 100', 'e.g. racker-sim fault node-02 packet-loss 30');
  return p;
}

async function injectFault(rack: LoadedRack, node: SimNode, fault: Fault, extra: string | undefined): Promise<void> {
  const d = nodeDir(rack.ref.dir, node);
  const marker = join(d, 'faults', fault);
  const ns = rack.spec.netns;
  switch (fault) {
    case 'bmc-down': {
      const pid = await bmcPid(d, node);
      process.kill(pid, 'SIGSTOP');
      await writeFile(marker, `${pid}\n`);
      return;
    }
    case 'bmc-slow': {
      await bmcPid(d, node);
      // In the rack's namespace, so destroy ends it with everything else.
      const pid = await spawnDetached('ip', ['netns', 'exec', ns, 'sh', join(SIM_SH_DIR, 'bmc-slow.sh'), d], join(d, 'bmc-slow.log'));
      await writeFile(marker, `${pid}\n`);
      return;
    }
    case 'wrong-password':
      await writeLanConf(d, node, newBmcPassword(), rack.state.options.vm);
      await restartBmc(rack, node);
      await writeFile(marker, '');
      return;
    case 'drop-boot-flag':
      await writeFile(marker, '');
      return;
    case 'no-dhcp':
      await exec('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: renderNoDhcpRules(node) });
      await writeFile(marker, '');
      return;
    case 'packet-loss': {
      const p = lossPercent(extra);
      await deleteNftTable(ns, 'inet', nftTable(node));
      await exec('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: renderLossRules(node, p) });
      await writeFile(marker, `${p}\n`);
      return;
    }
  }
}

async function clearFaults(rack: LoadedRack, node: SimNode): Promise<void> {
  const d = nodeDir(rack.ref.dir, node);
  const ns = rack.spec.netns;
  const slow = await readPid(join(d, 'faults', 'bmc-slow'));
  if (slow !== undefined) {
    try {
      process.kill(slow, 'SIGTERM');
    } catch {
      // the freezer already ended
    }
  }
  const bmc = await readPid(join(d, 'ipmi_sim.pid'));
  if (bmc !== undefined) {
    try {
      process.kill(bmc, 'SIGCONT');
    } catch {
      // no BMC process: nothing frozen
    }
  }
  await deleteNftTable(ns, 'bridge', nftTable(node));
  await deleteNftTable(ns, 'inet', nftTable(node));
  if (await readFile(join(d, 'faults', 'wrong-password')).then(() => true, () => false)) {
    const password = (await readFile(join(simDirs(rack.ref.dir).oemDir, 'ipmi_password'), 'utf8')).replace(/\r?\n$/, '');
    await writeLanConf(d, node, password, rack.state.options.vm);
    await restartBmc(rack, node);
  }
  await rm(join(d, 'faults'), { recursive: true, force: true });
  await mkdir(join(d, 'faults'));
}

async function bmcPid(dir: string, node: SimNode): Promise<number> {
  const pid = await readPid(join(dir, 'ipmi_sim.pid'));
  if (pid === undefined) throw new RackerError(ErrorCodes.sim, `${node.name}: its BMC is not running (no lease yet?)`, { hint: 'see racker-sim status' });
  return pid;
}

/** Restart ipmi_sim on its current address; a BMC still waiting for a lease picks the new lan.conf up when it gets one. */
async function restartBmc(rack: LoadedRack, node: SimNode): Promise<void> {
  const d = nodeDir(rack.ref.dir, node);
  const address = (await readFile(join(d, 'bmc-address'), 'utf8').catch(() => '')).trim();
  if (address === '') return;
  await exec('ip', ['netns', 'exec', rack.spec.netns, 'sh', join(SIM_SH_DIR, 'bmc-restart.sh'), d, address]);
}

async function deleteNftTable(ns: string, family: 'bridge' | 'inet', table: string): Promise<void> {
  const r = await exec('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables', family]);
  if (r.stdout.split('\n').some((l) => l.trim() === `table ${family} ${table}`)) await exec('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', family, table]);
}
