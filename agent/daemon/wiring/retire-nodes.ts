/**
 * Retiring the servers that left nodes.csv (a row deleted, or its MACs changed because another
 * server took its place): their phone-home tokens are no longer accepted and leave the disk, and their
 * boot groups, profiles and Ignition go, so an old server that boots again gets nothing of the rack.
 * Their DHCP reservations go with the inventory (dnsmasq's plan is built from the rows) and their node
 * records with the state sync (state/inventory-sync.ts); their history stays in the event log.
 *
 * A sweep against the current rows rather than a reaction to events: it also retires what left while
 * the agent was down, and running it twice changes nothing.
 */
import { readdir } from 'node:fs/promises';
import type { Mac } from '../../lib/mac.js';
import type { Logger } from '../../lib/log.js';
import type { Service } from '../../lib/service.js';
import { isENOENT } from '../../lib/errors.js';
import { BOOT_DATA_FOLDERS } from '../../config/paths.js';
import { FileBootStore } from '../../../bootstrap/file-boot-store.js';
import { installGroupId, installedGroupId } from '../../../bootstrap/groups-profiles.js';
import type { TokenStore } from './token-store.js';
import type { AgentDeps, ServiceEntry } from '../subsystems.js';
import { bootPaths } from '../../boot/create.js';

export interface RetireDeps {
  /** The boot service's data folder (bootDataDirs in config/paths.ts). */
  bootDataDir: string;
  tokens: Pick<TokenStore, 'forget' | 'macs'>;
  log: Logger;
}

/** What racker names its per-node boot data (groups-profiles.ts), file extension dropped. */
const NODE_ID = /^(racker-install(?:ed)?-[0-9a-f]{12})(?:\.json|\.ign)$/;

/** Retire everything of servers not among `current` (the primary MACs of the rows); returns how many ids went. */
export async function sweepRetired(current: readonly Mac[], d: RetireDeps): Promise<number> {
  const keep = new Set(current);
  for (const mac of await d.tokens.macs()) {
    if (keep.has(mac)) continue;
    await d.tokens.forget(mac);
    d.log.info({ node: mac }, 'retired the phone-home token of a server that left nodes.csv');
  }
  const wanted = new Set(current.flatMap((m) => [installGroupId(m), installedGroupId(m)]));
  const stale = new Set<string>();
  for (const folder of BOOT_DATA_FOLDERS) {
    const names = await readdir(`${d.bootDataDir}/${folder}`).catch((e: unknown) => {
      if (isENOENT(e)) return [] as string[];
      throw e;
    });
    for (const name of names) {
      const id = NODE_ID.exec(name)?.[1];
      if (id !== undefined && !wanted.has(id)) stale.add(id);
    }
  }
  if (stale.size > 0) {
    await new FileBootStore(d.bootDataDir).removeNode([...stale]);
    d.log.info({ ids: [...stale] }, 'retired the boot data of servers that left nodes.csv');
  }
  return stale.size;
}

/** The sweep as an agent service: at start and on every inventory reload. */
export class RetiredNodes implements Service {
  readonly name = 'retire';

  constructor(private readonly current: () => readonly Mac[], private readonly deps: () => RetireDeps) {}

  async start(): Promise<void> {
    await this.sweep();
  }

  async stop(): Promise<void> {
    /* nothing runs between sweeps */
  }

  async sweep(): Promise<void> {
    await sweepRetired(this.current(), this.deps());
  }
}

/** The agent's service entry: after the boot service, swept again whenever the inventory changes. */
export function retireEntry(tokensOf: (deps: AgentDeps) => TokenStore): ServiceEntry {
  return {
    name: 'retire',
    dependsOn: { config: ['boot', 'paths'], inventory: true },
    create: (deps) => new RetiredNodes(() => deps.inputs().inventory.workers.map((w) => w.primaryMac),
      () => ({ bootDataDir: bootPaths(deps.inputs().config).dataDir, tokens: tokensOf(deps), log: deps.log.child({ component: 'retire' }) })),
    reload: (service) => (service as RetiredNodes).sweep(),
  };
}
