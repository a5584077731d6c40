/**
 * The reset types an action (ComputerSystem.Reset, Manager.Reset) takes, as the BMC advertises
 * them: `ResetType@Redfish.AllowableValues` on the action, else the Parameters of its
 * `@Redfish.ActionInfo`; undefined when it advertises none (the standard's values are then tried).
 */
import { actionInfoSchema, type ResetAction } from './schemas.js';
import type { RedfishConnection } from './connection.js';

export async function allowedResetTypes(conn: RedfishConnection, action: ResetAction, step: string): Promise<string[] | undefined> {
  const inline = action['ResetType@Redfish.AllowableValues'] ?? undefined;
  if (inline !== undefined) return inline;
  const info = action['@Redfish.ActionInfo'];
  if (typeof info !== 'string' || info === '') return undefined;
  const params = (await conn.read(info, `${step}: read the reset action's info`, actionInfoSchema)).body.Parameters;
  return params?.find((p) => p.Name === 'ResetType')?.AllowableValues ?? undefined;
}
