/**
 * The part of a Redfish ComputerSystem racker acts on, checked when it is read: the power state
 * (every power command starts from it, and a missing or unknown one must not read as "off") and the
 * boot override's fields. Everything else a BMC sends is kept as it is (vendors add much).
 */
import { z } from 'zod';
import { bmcFailure, type BmcError, type BmcWhere } from '../errors.js';
import type { Resource } from './connection.js';

/** Redfish's PowerState values (Resource.PowerState). */
export const REDFISH_POWER_STATES = ['On', 'Off', 'PoweringOn', 'PoweringOff', 'Paused'] as const;

const optionalText = z.string().nullable().optional();

const computerSystemSchema = z.looseObject({
  PowerState: z.enum(REDFISH_POWER_STATES),
  Boot: z.looseObject({
    BootSourceOverrideTarget: optionalText,
    BootSourceOverrideEnabled: optionalText,
    BootSourceOverrideMode: optionalText,
  }).optional(),
});

/** The system as read, or a BMC error naming the resource and the field that is not what Redfish says it is. */
export function checkedSystem(system: Resource, where: BmcWhere, step: string): Resource {
  const parsed = computerSystemSchema.safeParse(system.body);
  if (parsed.success) return system;
  const fields = parsed.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`).join('; ');
  return failed(bmcFailure(where, step, `the Redfish system ${system.path} does not answer as Redfish says: ${fields}`,
    'its Redfish service cannot be used for power and boot control: update the BMC firmware, or drive it over IPMI (bmc.driver: ipmi)'));
}

function failed(e: BmcError): never {
  throw e;
}
