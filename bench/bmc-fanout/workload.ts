/**
 * The native client's side of the fan-out benchmark, importable (run.ts measures it in-process,
 * as in the agent) and runnable (native.ts, a cold process like a CLI call). Only the IPMI
 * modules are loaded: the settings mirror the bmc section's defaults (agent/config/sections/bmc.ts)
 * with cipher suite 3 only, as ipmitool and ipmipower are given -C 3 / -I 3.
 */
import { IpmiBmcClient } from '../../agent/bmc/ipmi/lanplus-client.js';
import { UdpTransport } from '../../agent/bmc/ipmi/transport.js';
import { Semaphore } from '../../agent/bmc/scheduler.js';
import type { Logger } from '../../agent/lib/log.js';

export const DEFAULTS = { cipherSuites: [3] as Array<3 | 17>, timeoutMs: 5000, retries: 3, retransmitMs: 500, minCommandIntervalMs: 20, keepAliveMs: 30_000, fanout: 64 };

/** A logger that does nothing, without loading pino (keeps the cold start honest about our own code). */
const quiet: Logger = new Proxy({}, { get: (_t, key) => (key === 'child' ? () => quiet : () => undefined) }) as Logger;

export interface Host { address: string; port: number }

/** One client per BMC on one socket, as the agent holds them: sessions stay open between runs. */
export class Fleet {
  private readonly transport = new UdpTransport(quiet);
  private readonly clients: IpmiBmcClient[];

  constructor(hosts: readonly Host[], user: string, password: string) {
    const fanout = new Semaphore(DEFAULTS.fanout);
    this.clients = hosts.map((h, i) => new IpmiBmcClient({ node: `bmc-${i + 1}`, address: h.address, port: h.port, user, password }, DEFAULTS, { transport: this.transport, fanout, log: quiet }));
  }

  /** Run the workload on every BMC at once; returns how many failed (their errors on stderr). */
  async run(workload: string): Promise<number> {
    const results = await Promise.allSettled(this.clients.map(async (c) => {
      if (workload === 'status') return c.powerState();
      await c.setBootDevice({ device: 'pxe', persistent: true, efi: true });
      await c.powerCycle();
      return 'ok';
    }));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const f of failed) process.stderr.write(`${String(f.reason)}\n`);
    return failed.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    await this.transport.close();
  }
}

/** The workload from scratch, as ipmipower does it: open every session, run, close them. */
export async function runWorkload(hosts: readonly Host[], workload: string, user: string, password: string): Promise<number> {
  const fleet = new Fleet(hosts, user, password);
  try {
    return await fleet.run(workload);
  } finally {
    await fleet.close();
  }
}
