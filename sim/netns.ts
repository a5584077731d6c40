/**
 * The rack's networks. Two namespaces:
 *  - `racker-sim-<name>` (the rack): the internal bridge (the rack-internal L2), the public bridge,
 *    every BMC's interface (its own MAC; replies routed out of it by source address), every VM's
 *    taps, ipmi_sim and QEMU;
 *  - `racker-sim-<name>-mgmt` (the management node): `pxe0` (the management row's secondary MAC,
 *    on the internal bridge, holding the management address) and `pub0` (its primary MAC, on the
 *    public bridge). The agent runs here (`ip netns exec racker-sim-<name>-mgmt racker agent …`).
 * Why a second namespace: racker finds the management node as the one nodes.csv row with a local
 * MAC, so the BMC interfaces (whose MACs are in nodes.csv) must not be visible where the agent runs.
 * Nothing is added to the host's namespace, so racks (and tests) never collide.
 *
 * The command lists are pure and run through `ip -batch`, one process per namespace.
 */
import type { Exec } from '../agent/lib/exec.js';
import { waitUntil } from '../agent/lib/backoff.js';
import type { RackSpec } from './rack-spec.js';

/** Per-namespace sysctls for the rack: each BMC answers ARP only for its own address, from its own interface. */
export const RACK_SYSCTLS = [
  'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.default.arp_ignore=1',
  'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.default.arp_announce=2',
  'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0',
];

/** `ip -batch` lines for the rack namespace. Links use `dev`/`name` always: `ip link set a up` reads "a" as "address". */
export function rackLinkCommands(spec: RackSpec, o: { vm: boolean }): string[] {
  const cmds = ['link set dev lo up'];
  for (const br of [spec.internalBridge, spec.publicBridge]) {
    cmds.push(`link add name ${br} type bridge forward_delay 0 stp_state 0`, `link set dev ${br} up`);
  }
  const m = spec.mgmt;
  cmds.push(`link add name ${m.pxePeer} type veth peer name ${m.pxeIface} netns ${spec.mgmtNetns}`);
  cmds.push(`link set dev ${m.pxePeer} master ${spec.internalBridge} up`);
  cmds.push(`link add name ${m.publicPeer} type veth peer name ${m.publicIface} netns ${spec.mgmtNetns}`);
  cmds.push(`link set dev ${m.publicPeer} master ${spec.publicBridge} up`);
  for (const n of spec.nodes) {
    cmds.push(`link add name ${n.bmcIface} address ${n.bmcMac} type veth peer name ${n.bmcPeer}`);
    cmds.push(`link set dev ${n.bmcPeer} master ${spec.internalBridge} up`, `link set dev ${n.bmcIface} up`);
    if (o.vm) {
      cmds.push(`tuntap add dev ${n.tap} mode tap`, `link set dev ${n.tap} master ${spec.internalBridge} up`);
      cmds.push(`tuntap add dev ${n.publicTap} mode tap`, `link set dev ${n.publicTap} master ${spec.publicBridge} up`);
    }
  }
  return cmds;
}

/** `ip -batch` lines for the management namespace (after the rack's, which created its interfaces). */
export function mgmtLinkCommands(spec: RackSpec): string[] {
  const m = spec.mgmt;
  return [
    'link set dev lo up',
    `link set dev ${m.pxeIface} address ${m.secondaryMac}`,
    `link set dev ${m.publicIface} address ${m.primaryMac}`,
    `link set dev ${m.pxeIface} up`,
    `link set dev ${m.publicIface} up`,
    `addr add ${spec.managementAddress}/${spec.prefix} dev ${m.pxeIface}`,
  ];
}

export async function netnsExists(exec: Exec, name: string): Promise<boolean> {
  const r = await exec('ip', ['netns', 'list']);
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

export async function addNetns(exec: Exec, name: string): Promise<void> {
  await exec('ip', ['netns', 'add', name]);
}

export async function runIpBatch(exec: Exec, netns: string, commands: readonly string[]): Promise<void> {
  await exec('ip', ['-n', netns, '-batch', '-'], { input: `${commands.join('\n')}\n`, timeoutMs: 120_000 });
}

export async function setSysctls(exec: Exec, netns: string, settings: readonly string[]): Promise<void> {
  await exec('ip', ['netns', 'exec', netns, 'sysctl', '-q', '-w', ...settings]);
}

/** PIDs of every process whose network namespace is `netns`. */
export async function netnsPids(exec: Exec, netns: string): Promise<number[]> {
  const r = await exec('ip', ['netns', 'pids', netns], { okExitCodes: [0, 1] });
  return r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

/** Delete a namespace after ending every process in it: TERM, up to 3 s, then KILL. */
export async function deleteNetns(exec: Exec, netns: string, sleep: (ms: number) => Promise<void>): Promise<{ existed: boolean; killed: number }> {
  if (!(await netnsExists(exec, netns))) return { existed: false, killed: 0 };
  let pids = await netnsPids(exec, netns);
  const killed = pids.length;
  // SIGCONT first: a stopped BMC (fault bmc-down) cannot act on SIGTERM.
  for (const sig of ['SIGCONT', 'SIGTERM'] as const) for (const p of pids) signal(p, sig);
  if (pids.length > 0) {
    // Checked every 100 ms, 30 times after the signals (3 s): the first check is at once.
    await waitUntil(async () => {
      pids = (await netnsPids(exec, netns)).filter(alive);
      return pids.length === 0 ? true : undefined;
    }, { intervalMs: 100, attempts: 31, sleep });
  }
  for (const p of pids) signal(p, 'SIGKILL');
  await exec('ip', ['netns', 'del', netns]);
  return { existed: true, killed };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone: nothing to end
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
