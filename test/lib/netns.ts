/**
 * Network namespaces for integration tests: a private L2 (a bridge in one namespace, clients in
 * others joined by veth pairs) so real DHCP, TFTP, HTTP and IPMI traffic never leaves the test.
 *
 * Names carry the test process's PID, so parallel runs do not collide. Every process started
 * through `spawn` is remembered by PID and stopped in `cleanup()`, then anything still running
 * inside our namespaces (all of it ours: nobody else knows them) is killed by PID, and the
 * namespaces are deleted. Call `cleanup()` from an after hook; it never throws.
 *
 *   const net = new TestNetwork('dhcp');
 *   const reason = await TestNetwork.unavailable(); if (reason) this.skip();
 *   const rack = await net.namespace('rack');
 *   await net.bridge(rack, 'br0', { address: '172.24.213.1/24' });
 *   const client = await net.namespace('node');
 *   await net.veth(rack, 'br0', client, 'eth0', { mac: '00:11:22:33:44:10' });
 *   await net.exec(client, 'busybox', ['udhcpc', ...]);
 */
import { readFile } from 'node:fs/promises';
import { mustNotSkipInCi } from './run-sim.js';
import { exec, type ExecOptions, type ExecResult } from '../../agent/lib/exec.js';
import { spawnChild, stopChild, type ChildHandle } from '../../agent/dhcp/child-process.js';
import { errorMessage } from '../../agent/lib/errors.js';

export class TestNetwork {
  private readonly namespaces: string[] = [];
  private readonly children: ChildHandle[] = [];
  private vethCount = 0;

  /** @param label short word naming the suite, part of every namespace name */
  constructor(private readonly label: string) {}

  /** Why namespaces cannot be used here (not root, no `ip netns`), or undefined when they can. */
  static async unavailable(): Promise<string | undefined> {
    return mustNotSkipInCi(await TestNetwork.whyUnavailable());
  }

  private static async whyUnavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return 'network namespaces need root';
    const probe = `racker-probe-${process.pid}`;
    try {
      await exec('ip', ['netns', 'add', probe], { timeoutMs: 10_000 });
      await exec('ip', ['netns', 'del', probe], { timeoutMs: 10_000 });
      return undefined;
    } catch (e) {
      return `cannot create a network namespace: ${errorMessage(e)}`;
    }
  }

  /** Create a namespace with loopback up; returns its name. */
  async namespace(role: string): Promise<string> {
    const name = `racker-${this.label}-${role}-${process.pid}`;
    await exec('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(name, ['link', 'set', 'lo', 'up']);
    return name;
  }

  /** A bridge (the rack's L2) in `ns`, up, with an optional address and MAC. */
  async bridge(ns: string, name: string, o: { address?: string; mac?: string } = {}): Promise<void> {
    await this.ip(ns, ['link', 'add', name, ...(o.mac === undefined ? [] : ['address', o.mac]), 'type', 'bridge']);
    // No STP forwarding delay: ports forward at once, so the first DHCP packet is not dropped.
    await this.ip(ns, ['link', 'set', name, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    await this.ip(ns, ['link', 'set', name, 'up']);
    if (o.address !== undefined) await this.ip(ns, ['addr', 'add', o.address, 'dev', name]);
  }

  /**
   * A veth pair: `ifname` in `clientNs` (with `mac`, up), its peer in `bridgeNs` enslaved to `bridge`.
   * Returns the peer's name.
   */
  async veth(bridgeNs: string, bridge: string, clientNs: string, ifname: string, o: { mac?: string } = {}): Promise<string> {
    const peer = `vp${this.vethCount++}`;
    await exec('ip', ['link', 'add', ifname, 'netns', clientNs, ...(o.mac === undefined ? [] : ['address', o.mac]), 'type', 'veth', 'peer', 'name', peer, 'netns', bridgeNs]);
    await this.ip(bridgeNs, ['link', 'set', peer, 'master', bridge, 'up']);
    await this.ip(clientNs, ['link', 'set', ifname, 'up']);
    return peer;
  }

  /** `ip -n ns …` */
  async ip(ns: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return exec('ip', ['-n', ns, ...args], options);
  }

  /** Run a program inside `ns` to completion (agent/lib/exec semantics). */
  async exec(ns: string, file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return exec('ip', ['netns', 'exec', ns, file, ...args], options);
  }

  /** The words that run a program inside `ns` (for code that takes a command prefix). */
  wrapper(ns: string): string[] {
    return ['ip', 'netns', 'exec', ns];
  }

  /** Start a long-running program inside `ns`; it is stopped by PID in cleanup(). */
  spawn(ns: string, file: string, args: readonly string[], onLine: (line: string) => void = () => undefined): ChildHandle {
    const child = spawnChild('ip', ['netns', 'exec', ns, file, ...args], onLine);
    this.children.push(child);
    return child;
  }

  /** Whether a PID is alive and not a zombie. */
  static async alive(pid: number): Promise<boolean> {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) Z/.test(stat);
    } catch {
      return false; // no such process
    }
  }

  /** Stop our children, kill whatever still runs in our namespaces (by PID), delete the namespaces. */
  async cleanup(): Promise<void> {
    for (const child of this.children.splice(0)) await stopChild(child, 2_000);
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        const { stdout } = await exec('ip', ['netns', 'pids', ns]);
        for (const pid of stdout.split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
        await exec('ip', ['netns', 'del', ns]);
      } catch (e) {
        console.error(`cleanup of network namespace ${ns} failed: ${errorMessage(e)}`);
      }
    }
  }
}
