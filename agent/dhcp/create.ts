/** Builds the dnsmasq service for the composition root: the runner the configuration asks for, the plan from the inventory. */
import type { Config } from '../config/schema.js';
import type { Inventory } from '../inventory/inventory.js';
import { exec as realExec, type Exec } from '../lib/exec.js';
import type { Logger } from '../lib/log.js';
import { spawnChild, type SpawnChild } from './child-process.js';
import { dnsmasqPlan } from './render-config.js';
import { BinaryDnsmasqRunner, type DnsmasqRunner } from './runner.js';
import { DnsmasqSupervisor } from './supervisor.js';
import { SystemdDnsmasqRunner } from './systemd-runner.js';

export interface DnsmasqDeps {
  exec?: Exec;
  spawn?: SpawnChild;
}

/** Binary mode runs dnsmasq as our child; container mode drives its systemd unit (Flatcar). */
export function dnsmasqRunner(dhcp: Config['dhcp'], deps: DnsmasqDeps = {}): DnsmasqRunner {
  const exec = deps.exec ?? realExec;
  const spawn = deps.spawn ?? spawnChild;
  return dhcp.mode === 'container'
    ? new SystemdDnsmasqRunner({ unit: dhcp.unit, exec, spawn })
    : new BinaryDnsmasqRunner({ dnsmasqPath: dhcp.dnsmasqPath, exec, spawn });
}

export function createDnsmasqService(config: Config, inventory: Inventory, log: Logger, deps: DnsmasqDeps = {}): DnsmasqSupervisor {
  return new DnsmasqSupervisor({
    dhcp: config.dhcp,
    stateDir: config.paths.stateDir,
    plan: dnsmasqPlan(inventory, config),
    runner: dnsmasqRunner(config.dhcp, deps),
    log: log.child({ component: 'dnsmasq' }),
  });
}
