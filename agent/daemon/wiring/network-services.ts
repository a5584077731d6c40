/**
 * The services that face the rack-internal network, as the composition root starts them: the PXE
 * interface's addresses, dnsmasq, and the boot service. Each forwards its events to the rack bus,
 * which outlives the services across reloads and restarts.
 */
import { exec } from '../../lib/exec.js';
import { createDnsmasqService } from '../../dhcp/create.js';
import { dnsmasqPlan } from '../../dhcp/render-config.js';
import type { DnsmasqSupervisor } from '../../dhcp/supervisor.js';
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
      if (!config.network.configureInterface) return { name: 'pxe-address', start: async () => undefined, stop: async () => undefined } satisfies Service;
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
      const service = createDnsmasqService(config, inventory, deps.log);
      service.events.on((e) => bus.dhcp.emit(e));
      return service;
    },
    // New reservations reach dnsmasq by SIGHUP; a changed dnsmasq.conf restarts it (apply decides).
    reload: async (service, deps) => {
      const { config, inventory } = deps.inputs();
      await (service as DnsmasqSupervisor).apply(dnsmasqPlan(inventory, config));
    },
  };
}

export function bootEntry(bus: RackBus): ServiceEntry {
  return {
    name: 'boot',
    dependsOn: { config: ['boot', 'paths'], inventory: true },
    create: (deps) => {
      const { config, inventory } = deps.inputs();
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
