/**
 * The BMC layer as the rest of the agent uses it: one BmcPool (one UDP socket, sessions reused,
 * per-BMC pacing, the fan-out limit) shared by the power poller and the bootstrap. Nodes are
 * resolved against the current inventory on every call, so a reload that changes an address or a
 * driver is picked up; the pool is rebuilt when the BMC settings or the credentials change.
 */
import { BmcPool } from '../../bmc/pool.js';
import { nodeBmc } from '../../bmc/targets.js';
import type { BmcClient, SensorReading } from '../../bmc/bmc-client.js';
import { ErrorCodes, RackerError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { BootControl, BootDeviceSetting, InstallBootDevice, NodeRef } from '../../../bootstrap/ports.js';
import type { PowerState } from '../../bmc/bmc-client.js';
import type { PowerReader, PollTarget } from '../../bmc-poller/poller.js';
import type { AgentInputs } from '../inputs.js';
import type { BmcFacts } from '../../inventory/bmc-facts.js';
import { bmcFactsOf } from '../../bmc/server-facts.js';

export class AgentBmc implements BootControl, PowerReader {
  private pool: BmcPool | undefined;
  private poolKey = '';
  /** The inputs the pool was last checked against: they are replaced, never changed, on reload. */
  private checked: AgentInputs | undefined;

  constructor(private readonly inputs: () => AgentInputs, private readonly log: Logger) {}

  private client(mac: string): BmcClient {
    const inputs = this.inputs();
    const { config, inventory } = inputs;
    // Compare settings only after a reload (or a close), not on every poll of every BMC.
    if (inputs !== this.checked || this.pool === undefined) {
      this.checked = inputs;
      const key = JSON.stringify([config.bmc, inventory.credentials.user, inventory.credentials.password]);
      if (this.pool === undefined || key !== this.poolKey) {
        const old = this.pool;
        this.pool = new BmcPool(config.bmc, { log: this.log });
        this.poolKey = key;
        if (old !== undefined) void old.close().catch((err: unknown) => this.log.warn({ err }, 'closing the previous BMC pool failed'));
      }
    }
    const node = inventory.workers.find((n) => n.primaryMac === mac || n.bmcMac === mac);
    if (node === undefined) throw new RackerError(ErrorCodes.notFound, `no node with MAC ${mac} in nodes.csv`, { hint: 'reload the agent after editing nodes.csv' });
    return this.pool.client(nodeBmc(config, inventory, node));
  }

  /**
   * With a signal (the poller's), gives up when it aborts: a query still waiting for its turn is
   * dropped, one already talking to the BMC ends on its own timeout, so polls of a dead BMC do
   * not pile up.
   */
  async powerStatus(target: NodeRef | PollTarget, signal?: AbortSignal): Promise<PowerState> {
    if (signal === undefined) return this.client(target.mac).powerState();
    return untilAborted(signal, () => this.client(target.mac).powerState(signal));
  }

  /** Sensor readings for the metrics; the poller's signal bounds the wait as for power status. */
  async sensors(target: PollTarget, signal: AbortSignal): Promise<SensorReading[]> {
    return untilAborted(signal, () => this.client(target.mac).sensors());
  }

  async powerOn(node: NodeRef): Promise<void> {
    await this.client(node.mac).powerOn();
  }

  async powerOff(node: NodeRef): Promise<void> {
    await this.client(node.mac).powerOff();
  }

  async powerCycle(node: NodeRef): Promise<void> {
    await this.client(node.mac).powerCycle();
  }

  /**
   * What the BMC says about its server: FRU 0 over IPMI, the system and its chassis over Redfish
   * (both as FruInfo, so one conversion). A BMC without it is logged at debug: many have no FRU.
   * With a signal (the poller's), gives up when it aborts, as powerStatus does.
   */
  async serverFacts(node: NodeRef | PollTarget, signal?: AbortSignal): Promise<BmcFacts> {
    const c = this.client(node.mac);
    const fru = c.fru?.bind(c);
    if (fru === undefined) throw new RackerError(ErrorCodes.bmcUnsupported, `the ${c.driver} driver reads no FRU`);
    try {
      const info = signal === undefined ? await fru() : await untilAborted(signal, fru);
      return bmcFactsOf(info, c.driver, new Date().toISOString());
    } catch (err) {
      this.log.debug({ err, node: node.hostname }, 'the BMC did not say what server it is (FRU)');
      throw err;
    }
  }

  /** Sets the override (the client disables the 60 s boot-flag timeout first); the bootstrap reads it back itself. */
  async setBootDevice(node: NodeRef, device: InstallBootDevice, options: { persistent: boolean; efi: boolean }): Promise<void> {
    await this.client(node.mac).setBootDevice({ device, persistent: options.persistent, efi: options.efi });
  }

  async readBootDevice(node: NodeRef): Promise<BootDeviceSetting | undefined> {
    const f = await this.client(node.mac).bootFlags();
    if (f.device !== 'pxe' && f.device !== 'disk') return undefined;
    if (this.inputs().config.bmc.bootFlagsReadBack === 'device-only') return { device: f.device };
    if (!f.valid) return undefined;
    return { device: f.device, persistent: f.persistent, efi: f.efi };
  }

  /** Closes the sessions; a BMC that does not answer the close does not hold up the agent's stop. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const closed = pool.close().catch((err: unknown) => this.log.warn({ err }, 'closing BMC sessions failed'));
    await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(() => { this.log.warn('BMC sessions still closing after 3 s; stopping anyway'); resolve(); }, 3_000); })]);
    clearTimeout(timer);
  }
}

/** The query's answer, or the signal's reason as soon as it aborts (the query is then abandoned). */
function untilAborted<T>(signal: AbortSignal, start: () => Promise<T>): Promise<T> {
  // Before the query exists: thrown after it, its rejection would go unhandled.
  signal.throwIfAborted();
  const query = start();
  query.catch(() => undefined); /* abandoned after an abort: its failure is of no interest */
  return Promise.race([query, new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }))]);
}
