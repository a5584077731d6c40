/**
 * Builds the BmcClient for each node from the configuration and owns what the clients share: the
 * one UDP socket of the native driver and the global fan-out limit. Constructing does no I/O; the
 * socket opens on first use and close() ends every session and the socket.
 */
import type { Logger } from '../lib/log.js';
import type { Exec } from '../lib/exec.js';
import { exec as realExec } from '../lib/exec.js';
import type { BmcSettings } from '../config/sections/bmc.js';
import type { BmcClient } from './bmc-client.js';
import type { NodeBmc } from './targets.js';
import { Semaphore } from './scheduler.js';
import { UdpTransport } from './ipmi/transport.js';
import { IpmiBmcClient } from './ipmi/lanplus-client.js';
import { IpmitoolBmcClient } from './ipmitool/driver.js';
import { RedfishBmcClient } from './redfish/driver.js';

export interface BmcPoolDeps {
  log: Logger;
  exec?: Exec;
}

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

export class BmcPool {
  private readonly transport: UdpTransport;
  private readonly fanout: Semaphore;
  private readonly clients = new Map<string, BmcClient>();

  constructor(private readonly settings: DeepReadonly<BmcSettings>, private readonly deps: BmcPoolDeps) {
    // The caller's logger names the component ("bmc" in the agent); a second `component` would repeat the key.
    this.transport = new UdpTransport(deps.log.child({ transport: 'udp' }));
    this.fanout = new Semaphore(settings.fanout);
  }

  /**
   * The client for a node's BMC, one per node and endpoint, reused. Per node, not per endpoint: a
   * target names its node's system (Redfish's choice among several by pinned UUID or MACs, and
   * the node in every message), and several nodes may be pinned to one service (a chassis manager
   * for several blades). One client per endpoint made every such node drive the first one's system.
   */
  client(n: NodeBmc): BmcClient {
    const key = `${n.driver}:${n.target.address}:${n.target.port}:${n.target.bmcMac ?? n.target.node}`;
    const existing = this.clients.get(key);
    if (existing !== undefined) return existing;
    const log = this.deps.log.child({ node: n.target.node, bmc: n.target.address });
    const s = this.settings;
    let client: BmcClient;
    if (n.driver === 'ipmi') {
      client = new IpmiBmcClient(n.target, {
        cipherSuites: n.cipherSuites, timeoutMs: s.timeoutMs, retries: s.retries, retransmitMs: s.retransmitMs,
        minCommandIntervalMs: s.minCommandIntervalMs, keepAliveMs: s.keepAliveMs, idleCloseMs: s.idleCloseMs,
      }, { transport: this.transport, fanout: this.fanout, log });
    } else if (n.driver === 'ipmitool') {
      client = new IpmitoolBmcClient(n.target, {
        program: s.ipmitool, cipherSuite: n.cipherSuites[0] ?? 3, timeoutMs: s.timeoutMs, retries: s.retries,
      }, { exec: this.deps.exec ?? realExec, fanout: this.fanout, log });
    } else {
      client = new RedfishBmcClient(n.target, {
        verifyTls: s.redfish.verifyTls, tlsFingerprint: n.tlsFingerprint, useSessions: s.redfish.sessions, timeoutMs: s.timeoutMs,
      }, { fanout: this.fanout, log });
    }
    this.clients.set(key, client);
    return client;
  }

  /** Close every session and the shared socket. Each close is separate: one failure does not stop the rest. */
  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    const results = await Promise.allSettled(clients.map((c) => c.close()));
    for (const r of results) if (r.status === 'rejected') this.deps.log.warn({ err: r.reason as unknown }, 'closing a BMC session failed');
    await this.transport.close();
  }
}
