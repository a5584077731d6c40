/**
 * The services that face the rack-internal network, as the composition root starts them: the PXE
 * interface's addresses, dnsmasq, and the boot service. Each forwards its events to the rack bus,
 * which outlives the services across reloads and restarts.
 */
import { exec } from '../../lib/exec.js';
import { createDnsmasqService } from '../../dhcp/create.js';
import { dnsmasqPlan } from '../../dhcp/render-config.js';
import { DnsmasqSupervisor } from '../../dhcp/supervisor.js';
import { createBootService } from '../../boot/create.js';
import { PxeAddressService, pxeAddressPlan } from '../../net/pxe-address.js';
import type { Service } from '../../lib/service.js';
import type { AgentDeps, ServiceEntry } from '../subsystems.js';
import type { TokenStore } from './token-store.js';
import { reportKeeper, type RackBus } from './rack-bus.js';

export function pxeAddressEntry(): ServiceEntry {
  return {
    name: 'pxe-address',
    dependsOn: { config: ['network'], inventory: true },
    create: (deps) => {
      const { config, inventory } = deps.inputs();
      const plan = pxeAddressPlan(inventory.pxeInterface, inventory.plan.managementAddress, inventory.plan.subnet.prefix);
      if (!config.network.configureInterface) return disabledService('pxe-address');
      return new PxeAddressService(plan, exec, deps.log.child({ component: 'pxe-address' }));
    },
  };
}

export function dhcpEntry(busOf: (deps: AgentDeps) => RackBus): ServiceEntry {
  return {
    name: 'dhcp',
    dependsOn: { config: ['dhcp', 'network', 'boot', 'paths'], inventory: true },
    create: (deps) => {
      const { config, inventory } = deps.inputs();
      if (!config.dhcp.enabled) return disabledService('dhcp');
      const service = createDnsmasqService(config, inventory, deps.log);
      const bus = busOf(deps);
      service.events.on((e) => bus.dhcp.emit(e));
      return service;
    },
    // New reservations reach dnsmasq by SIGHUP; a changed dnsmasq.conf restarts it (apply decides).
    reload: async (service, deps) => {
      const { config, inventory } = deps.inputs();
      const running = service instanceof DnsmasqSupervisor;
      if (running && config.dhcp.enabled) await service.apply(dnsmasqPlan(inventory, config));
      else if (running !== config.dhcp.enabled) throw new Error('dhcp.enabled changed: restart the agent to apply it');
    },
  };
}

/** The boot service; the persisted phone-home tokens are loaded before it answers, and reports are written (with them, or a hardware inventory in the node's record) before a node is answered. */
export function bootEntry(busOf: (deps: AgentDeps) => RackBus, tokensOf: (deps: AgentDeps) => TokenStore): ServiceEntry {
  return {
    name: 'boot',
    dependsOn: { config: ['boot', 'paths'], inventory: true },
    create: (deps) => {
      const { config, inventory } = deps.inputs();
      if (!config.boot.enabled) return disabledService('boot');
      const reserved = new Map<string, string>();
      for (const n of inventory.workers) if (n.address !== undefined) reserved.set(n.primaryMac, n.address);
      const bus = busOf(deps);
      const tokens = tokensOf(deps);
      const service = createBootService(config, {
        log: deps.log, // the boot service names its component itself
        events: bus.boot,
        reserved,
        defaultHost: inventory.plan.managementAddress,
        tokens: bus.tokens,
        keepReport: reportKeeper(deps.state, tokens),
      });
      bus.bootConnections = () => service.connections();
      return {
        name: service.name,
        start: async (signal) => {
          await tokens.load();
          await service.start(signal);
        },
        stop: () => service.stop(),
        healthcheck: () => service.healthcheck(),
      };
    },
  };
}

/** Stands in for a service the configuration turns off, so the start order and reloads stay the same. */
function disabledService(name: string): Service {
  return { name: `${name} (disabled)`, start: async () => undefined, stop: async () => undefined };
}
