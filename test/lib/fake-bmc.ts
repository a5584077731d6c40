/**
 * A rack of fake BMCs behind the BootControl port: power state and boot override per node, every
 * call recorded, failures and lying read-backs on demand, and a hook that lets a scripted node react
 * to power actions (see scripted-nodes.ts).
 */
import type { BootControl, BootDeviceSetting, InstallBootDevice, NodeRef } from '../../bootstrap/ports.js';
import type { PowerState } from '../../agent/bmc/bmc-client.js';
import type { BmcFacts } from '../../agent/inventory/bmc-facts.js';

export interface BmcCall { op: string; mac: string; detail?: string; at: number }

export class FakeBmc implements BootControl {
  readonly calls: BmcCall[] = [];
  readonly power = new Map<string, PowerState>();
  readonly boot = new Map<string, BootDeviceSetting>();
  /** Errors to throw: op → mac → message (thrown every time until deleted). */
  readonly failing = new Map<string, Map<string, string>>();
  /** Read-backs that ignore what was set (a BMC that silently drops persistence). */
  readonly readbackOverride = new Map<string, BootDeviceSetting | undefined>();
  /** What each BMC says about its server; a node without an entry has a BMC without FRU (serverFacts rejects). */
  readonly facts = new Map<string, BmcFacts>();
  /** BMCs whose FRU read never answers. */
  readonly silentFacts = new Set<string>();
  /** Called after a node is switched on or cycled, with its boot setting at that moment. */
  onBoot: (mac: string, boot: BootDeviceSetting | undefined) => void = () => undefined;

  constructor(private readonly now: () => number = () => 0) {}

  fail(op: string, mac: string, message: string): void {
    const m = this.failing.get(op) ?? new Map<string, string>();
    m.set(mac, message);
    this.failing.set(op, m);
  }

  private record(op: string, node: NodeRef, detail?: string): void {
    this.calls.push(detail === undefined ? { op, mac: node.mac, at: this.now() } : { op, mac: node.mac, detail, at: this.now() });
    const message = this.failing.get(op)?.get(node.mac);
    if (message !== undefined) throw new Error(message);
  }

  /** Calls for one node, as "op detail" strings. */
  callsFor(mac: string): string[] {
    return this.calls.filter((c) => c.mac === mac).map((c) => (c.detail === undefined ? c.op : `${c.op} ${c.detail}`));
  }

  async setBootDevice(node: NodeRef, device: InstallBootDevice, o: { persistent: boolean; efi: boolean }): Promise<void> {
    this.record('setBootDevice', node, `${device}${o.persistent ? ' persistent' : ''} ${o.efi ? 'efi' : 'legacy'}`);
    this.boot.set(node.mac, { device, ...o });
  }

  async readBootDevice(node: NodeRef): Promise<BootDeviceSetting | undefined> {
    this.record('readBootDevice', node);
    if (this.readbackOverride.has(node.mac)) return this.readbackOverride.get(node.mac);
    return this.boot.get(node.mac);
  }

  async powerStatus(node: NodeRef): Promise<PowerState> {
    this.record('powerStatus', node);
    return this.power.get(node.mac) ?? 'off';
  }

  async powerOn(node: NodeRef): Promise<void> {
    this.record('powerOn', node);
    this.power.set(node.mac, 'on');
    this.onBoot(node.mac, this.boot.get(node.mac));
  }

  async powerOff(node: NodeRef): Promise<void> {
    this.record('powerOff', node);
    this.power.set(node.mac, 'off');
  }

  async serverFacts(node: NodeRef): Promise<BmcFacts> {
    this.record('serverFacts', node);
    if (this.silentFacts.has(node.mac)) return new Promise<never>(() => undefined);
    const f = this.facts.get(node.mac);
    if (f === undefined) throw new Error('FRU device 0 not present');
    return f;
  }

  async powerCycle(node: NodeRef): Promise<void> {
    this.record('powerCycle', node);
    this.power.set(node.mac, 'on');
    this.onBoot(node.mac, this.boot.get(node.mac));
  }
}
