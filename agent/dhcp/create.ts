/** Builds the dnsmasq service for the composition root: the runner the configuration asks for, the plan from the inventory. */
import type { Config } from '../config/schema.js';
import type { Inventory } from '../inventory/inventory.js';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
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
  /** The PATH `auto` mode searches; default the agent's. */
  path?: string;
}

/** Whether `program` (a path, or a name looked up in `path` as exec would) is an executable file. */
export function isExecutable(program: string, path: string = process.env.PATH ?? ''): boolean {
  const candidates = program.includes('/') ? [program] : path.split(delimiter).filter((d) => d !== '').map((d) => join(d, program));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The mode `auto` stands for: the binary where the host has one (Debian), else the container (Flatcar). */
export function effectiveDnsmasqMode(dhcp: Pick<Config['dhcp'], 'mode' | 'dnsmasqPath'>, path?: string): 'binary' | 'container' {
  if (dhcp.mode !== 'auto') return dhcp.mode;
  return isExecutable(dhcp.dnsmasqPath, path) ? 'binary' : 'container';
}

/** Binary mode runs dnsmasq as our child; container mode drives its systemd unit (Flatcar). */
export function dnsmasqRunner(dhcp: Config['dhcp'], deps: DnsmasqDeps = {}): DnsmasqRunner {
  const exec = deps.exec ?? realExec;
  const spawn = deps.spawn ?? spawnChild;
  return effectiveDnsmasqMode(dhcp, deps.path) === 'container'
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
