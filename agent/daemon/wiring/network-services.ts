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
import type { ServiceEntry } from '../subsystems.js';
import type { RackBus } from './rack-bus.js';

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

export function dhcpEntry(bus: RackBus): ServiceEntry {
  return {
    name: 'dhcp',
    dependsOn: { config: ['dhcp', 'network', 'boot', 'paths'], inventory: true },
    create: (deps) => {
      const { config, inventory } = deps.inputs();
      if (!config.dhcp.enabled) return disabledService('dhcp');
      const service = createDnsmasqService(config, inventory, deps.log);
      service.events.on((e) => bus.dhcp.emit(e));
      return service;
    },
    // New reservations reach dnsmasq by SIGHUP; a changed dnsmasq.conf restarts it (apply decides).
    reload: async (service, deps) => {
      const { config, inventory } = deps.inputs();
      if (service instanceof DnsmasqSupervisor && config.dhcp.enabled) await service.apply(dnsmasqPlan(inventory, config));
      else throw new Error('dhcp.enabled changed: restart the agent to apply it');
    },
  };
}

export function bootEntry(bus: RackBus): ServiceEntry {
  return {
    name: 'boot',
    dependsOn: { config: ['boot', 'paths'], inventory: true },
    create: (deps) => {
      const { config, inventory } = deps.inputs();
      if (!config.boot.enabled) return disabledService('boot');
      const reserved = new Map<string, string>();
      for (const n of inventory.workers) if (n.address !== undefined) reserved.set(n.primaryMac, n.address);
      return createBootService(config, {
        log: deps.log.child({ component: 'boot' }),
        events: bus.boot,
        reservedAddress: (mac) => reserved.get(mac),
        defaultHost: inventory.plan.managementAddress,
        tokens: bus.tokens,
      });
    },
  };
}

/** Stands in for a service the configuration turns off, so the start order and reloads stay the same. */
function disabledService(name: string): Service {
  return { name: `${name} (disabled)`, start: async () => undefined, stop: async () => undefined };
}
