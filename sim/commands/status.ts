/**
 * `racker-sim status [--json]`: the rack's configuration, where to run the agent, and per node its
 * MACs, BMC address, whether its BMC runs (or is frozen), power, boot device, VM and faults.
 * `--json` is what scripts (the README's main command, the end-to-end test) read.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLine, type CliContext } from '../../agent/cli-kit/context.js';
import { parseCommandArgs } from '../../agent/cli-kit/args.js';
import { processState, readPid } from '../bmc.js';
import { nodeDir, simDirs } from '../sim-files.js';
import type { SimState } from '../state.js';
import { RACK_OPTIONS, loadRack, rackRef, type LoadedRack } from './common.js';
import { AGENT_UNIT, mgmtPaths, readPidFile } from '../mgmt-node.js';

import { hardwareOptions, simHardware, type SimHardware } from '../hardware.js';

const USAGE = 'racker-sim status [--name NAME] [--root DIR] [--json]';

export interface NodeStatus {
  name: string;
  row: number;
  primaryMac: string;
  bmcMac: string;
  secondaryMac: string;
  /** Where the BMC answers now (its lease or pinned address); undefined while it has none. */
  bmcAddress: string | undefined;
  /** The address racker's plan gives it (where a lease from racker's dnsmasq puts it). */
  plannedBmcAddress: string;
  bmcPort: number;
  /** The address racker's plan gives the node's primary NIC. */
  plannedAddress: string;
  bmc: 'running' | 'frozen' | 'down' | 'waiting-for-dhcp';
  power: 'on' | 'off';
  bootDevice: string;
  vm: 'running' | 'stopped' | 'none';
  faults: string[];
  dir: string;
  consoleLog: string | undefined;
  /** What the server's OS sees (VM racks): SMBIOS strings and disks with their serials. */
  hardware: SimHardware | undefined;
}

export interface RackStatus {
  name: string;
  dir: string;
  config: string;
  netns: string;
  mgmtNetns: string;
  subnet: string;
  managementAddress: string;
  pxeInterface: string;
  /** How to start the agent for this rack (with --agent systemd: systemd runs it; this starts it again). */
  agentCommand: string[];
  /** The management node container (--agent systemd): its root on this machine, its systemd's PID, how to run racker there. */
  mgmtNode: { root: string; pid1: number | undefined; consoleLog: string; exec: string[]; payload: string | undefined } | undefined;
  /** OEM files (the password file is 0600 and never printed). */
  oem: { nodesCsv: string; ipmiUser: string; ipmiPassword: string };
  bmcAddressing: 'dhcp' | 'pinned';
  options: SimState['options'];
  accel: SimState['accel'];
  /** The OS image the nodes boot; its assetsDir has Flatcar's file names (serve it as the Flatcar assets). */
  os: SimState['os'];
  nodes: NodeStatus[];
}

export async function rackStatus({ ref, state, spec }: LoadedRack): Promise<RackStatus> {
  const dirs = simDirs(ref.dir);
  const systemd = state.options.agent === 'systemd';
  const mgmt = mgmtPaths(ref.dir);
  const nodes: NodeStatus[] = [];
  for (const n of spec.nodes) {
    const d = nodeDir(ref.dir, n);
    const read = async (f: string): Promise<string | undefined> => (await readFile(join(d, f), 'utf8').catch(() => undefined))?.trim();
    const bmcState = await processState(await readPid(join(d, 'ipmi_sim.pid')));
    const address = await read('bmc-address');
    const vmState = state.options.vm ? await processState(await readPid(join(d, 'qemu.pid'))) : undefined;
    nodes.push({
      name: n.name,
      row: n.row,
      primaryMac: n.primaryMac,
      bmcMac: n.bmcMac,
      secondaryMac: n.secondaryMac,
      bmcAddress: address === '' ? undefined : address,
      plannedBmcAddress: n.bmcAddress,
      bmcPort: 623,
      plannedAddress: n.address,
      bmc: bmcState === 'T' || bmcState === 't' ? 'frozen' : bmcState !== undefined && bmcState !== 'Z' ? 'running'
        : !state.options.pinBmcAddresses && address === undefined ? 'waiting-for-dhcp' : 'down',
      power: (await read('power')) === '1' ? 'on' : 'off',
      bootDevice: (await read('boot')) ?? 'default',
      vm: !state.options.vm ? 'none' : vmState !== undefined && vmState !== 'Z' ? 'running' : 'stopped',
      faults: (await readdir(join(d, 'faults')).catch(() => [])).sort(),
      dir: d,
      consoleLog: state.options.vm ? join(d, 'console.log') : undefined,
      hardware: state.options.vm ? simHardware(state.name, n, hardwareOptions(state.options, n)) : undefined,
    });
  }
  return {
    name: state.name,
    dir: ref.dir,
    config: state.configPath,
    netns: spec.netns,
    mgmtNetns: spec.mgmtNetns,
    subnet: spec.subnet.cidr,
    managementAddress: spec.managementAddress,
    pxeInterface: spec.mgmt.pxeIface,
    agentCommand: systemd
      ? ['racker-sim', 'exec', '--name', state.name, '--', 'systemctl', 'start', AGENT_UNIT]
      : ['ip', 'netns', 'exec', spec.mgmtNetns, 'racker', 'agent', '--config', state.configPath],
    mgmtNode: systemd
      ? { root: mgmt.root, pid1: await readPidFile(mgmt.pid1), consoleLog: mgmt.consoleLog, exec: ['racker-sim', 'exec', '--name', state.name, '--'], payload: state.options.payload }
      : undefined,
    oem: { nodesCsv: join(dirs.oemDir, 'nodes.csv'), ipmiUser: join(dirs.oemDir, 'ipmi_user'), ipmiPassword: join(dirs.oemDir, 'ipmi_password') },
    bmcAddressing: state.options.pinBmcAddresses ? 'pinned' : 'dhcp',
    options: state.options,
    accel: state.accel,
    os: state.os,
    nodes,
  };
}

export function renderStatus(s: RackStatus): string {
  const lines = [
    `rack ${s.name}: ${s.nodes.length} node${s.nodes.length === 1 ? '' : 's'}, ${s.options.vm ? `VMs (${s.accel ?? '?'}${s.options.uefi ? ', UEFI' : ''}, ${s.os?.kind ?? '?'} OS)` : 'BMCs only (--no-vm)'}, BMC addresses ${s.bmcAddressing === 'pinned' ? 'pinned' : 'from DHCP'}`,
    `  configuration:   ${s.config}`,
    `  management node: namespace ${s.mgmtNetns}, ${s.pxeInterface} ${s.managementAddress} on ${s.subnet}`,
    ...(s.mgmtNode === undefined
      ? [`  run the agent:   ${s.agentCommand.join(' ')}`]
      : [`  the agent:       ${AGENT_UNIT} under systemd in the management node (root ${s.mgmtNode.root})`,
        `  run racker:      ${s.mgmtNode.exec.join(' ')} racker status`]),
  ];
  if (s.os !== undefined) lines.push(`  OS assets:       ${s.os.assetsDir} (Flatcar's file names)`);
  lines.push('', '  NODE     BMC ADDRESS       BMC               POWER  BOOT     VM       FAULTS');
  for (const n of s.nodes) {
    lines.push(`  ${n.name.padEnd(8)} ${(n.bmcAddress ?? `(${n.plannedBmcAddress})`).padEnd(17)} ${n.bmc.padEnd(17)} ${n.power.padEnd(6)} ${n.bootDevice.padEnd(8)} ${n.vm.padEnd(8)} ${n.faults.join(',') || '-'}`);
  }
  return lines.join('\n');
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, RACK_OPTIONS, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, `usage: ${USAGE}\n\nShow a simulated rack: its racker configuration, where to run the agent, and every node's BMC, power, boot device and faults.`);
    return 0;
  }
  const status = await rackStatus(await loadRack(rackRef(values, ctx)));
  writeLine(ctx.stdout, values.json === true ? JSON.stringify(status, null, 2) : renderStatus(status));
  return 0;
}
