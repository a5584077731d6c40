/**
 * Throwaway network namespaces for tests, named after the test process, with packet loss on their
 * loopback. Loss uses `tc netem` when the kernel has it; this machine's kernel does not, so the
 * fallback is an nftables rule dropping a random share of the BMC's UDP datagrams, both ways.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { errorMessage } from '../../agent/lib/errors.js';

const run = promisify(execFile);

export interface Netns {
  name: string;
  /** How loss was injected: 'netem' or 'nftables'. */
  loss: string | undefined;
  remove(): Promise<void>;
}

/** Why namespaces cannot be used here, or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    await run('ip', ['netns', 'list']);
    return undefined;
  } catch (e) {
    return `ip netns does not work: ${errorMessage(e)}`;
  }
}

export async function createNetns(tag: string): Promise<Netns> {
  const name = `racker-${tag}-${process.pid}`;
  await run('ip', ['netns', 'add', name]);
  const ns: Netns = {
    name,
    loss: undefined,
    remove: async () => { await run('ip', ['netns', 'del', name]); },
  };
  try {
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    await ns.remove();
    throw e;
  }
  return ns;
}

/** Drop `percent` % of packets on the namespace's loopback (UDP `port` only, with nftables). */
export async function addLoss(ns: Netns, percent: number, port: number): Promise<void> {
  try {
    await run('tc', ['-n', ns.name, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'loss', `${percent}%`]);
    ns.loss = 'netem';
    return;
  } catch {
    // sch_netem missing from the kernel ("Specified qdisc kind is unknown"): use nftables.
  }
  const nft = (...args: string[]): Promise<unknown> => run('ip', ['netns', 'exec', ns.name, 'nft', ...args]);
  await nft('add', 'table', 'inet', 'loss');
  await nft('add', 'chain', 'inet', 'loss', 'in', '{ type filter hook input priority 0; }');
  await nft('add', 'rule', 'inet', 'loss', 'in', 'udp', 'dport', String(port), 'numgen', 'random', 'mod', '100', 'lt', String(percent), 'drop');
  await nft('add', 'rule', 'inet', 'loss', 'in', 'udp', 'sport', String(port), 'numgen', 'random', 'mod', '100', 'lt', String(percent), 'drop');
  ns.loss = 'nftables';
}
