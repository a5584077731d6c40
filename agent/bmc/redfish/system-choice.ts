/**
 * Which ComputerSystem (and Chassis) of a Redfish service is this node's. One member: that one.
 * Several (blades, multi-node chassis): the one with the pinned UUID, else the one whose Manager
 * has the BMC's MAC, else the one with one of the node's NIC MACs; if none matches, the first, and
 * a warning naming them all so the operator can pin bmc.nodes."<BMC MAC>".systemUuid.
 */
import type { Logger } from '../../lib/log.js';
import type { BmcTarget } from '../bmc-client.js';
import { normalizeMac } from '../../lib/mac.js';
import { bmcFailure } from '../errors.js';
import type { Quirks } from '../quirks.js';
import { odataId, text, type Json, type RedfishConnection } from './connection.js';

/** Bounds the reads a hostile or huge service can cause. */
const MAX_MEMBERS = 64;

export function members(collection: Json): string[] {
  const m = Array.isArray(collection.Members) ? collection.Members : [];
  return m.slice(0, MAX_MEMBERS).map(odataId).filter((x): x is string => x !== undefined);
}

const macOf = (v: unknown): string | undefined => (typeof v === 'string' ? normalizeMac(v) : undefined);

/** MACs of an EthernetInterfaces collection. */
async function interfaceMacs(conn: RedfishConnection, link: unknown, step: string): Promise<string[]> {
  const uri = odataId(link);
  if (uri === undefined) return [];
  const out: string[] = [];
  for (const m of members((await conn.get(uri, step)).body)) {
    const nic = (await conn.get(m, step)).body;
    for (const mac of [macOf(nic.MACAddress), macOf(nic.PermanentMACAddress)]) if (mac !== undefined) out.push(mac);
  }
  return out;
}

export async function chooseSystem(conn: RedfishConnection, target: BmcTarget, log: Logger, quirks: Quirks): Promise<string> {
  const step = 'list systems';
  const systems = members((await conn.get(await conn.rootLink('Systems', step), step)).body);
  if (systems.length === 0) throw bmcFailure(conn.where, step, 'the Redfish service lists no ComputerSystem');
  if (systems.length === 1) return systems[0] as string;
  const bodies = new Map<string, Json>();
  for (const s of systems) bodies.set(s, (await conn.get(s, 'read system')).body);

  const uuid = target.systemUuid?.toLowerCase();
  const byUuid = uuid === undefined ? undefined : systems.find((s) => text(bodies.get(s)?.UUID).toLowerCase() === uuid);
  if (byUuid !== undefined) return chosen(quirks, systems, byUuid, `UUID ${uuid}`);

  const bmcMac = target.bmcMac === undefined ? undefined : normalizeMac(target.bmcMac);
  if (bmcMac !== undefined) {
    const managers = members((await conn.get(await conn.rootLink('Managers', 'list managers'), 'list managers')).body);
    for (const m of managers) {
      const manager = (await conn.get(m, 'read manager')).body;
      if (!(await interfaceMacs(conn, manager.EthernetInterfaces, 'read manager NICs')).includes(bmcMac)) continue;
      const served = (Array.isArray((manager.Links as Json | undefined)?.ManagerForServers) ? (manager.Links as Json).ManagerForServers as unknown[] : []).map(odataId);
      const mine = systems.filter((s) => served.includes(s));
      if (mine.length === 1) return chosen(quirks, systems, mine[0] as string, `BMC MAC ${bmcMac}`);
    }
  }
  const hostMacs = (target.hostMacs ?? []).map((m) => normalizeMac(m)).filter((m) => m !== undefined) as string[];
  if (hostMacs.length > 0) {
    for (const s of systems) {
      const macs = await interfaceMacs(conn, bodies.get(s)?.EthernetInterfaces, 'read system NICs');
      if (macs.some((m) => hostMacs.includes(m))) return chosen(quirks, systems, s, `NIC MAC ${macs.find((m) => hostMacs.includes(m))}`);
    }
  }
  const first = systems[0] as string;
  const described = systems.map((s) => `${s}${text(bodies.get(s)?.UUID) === '' ? '' : ` (UUID ${text(bodies.get(s)?.UUID)})`}`).join(', ');
  log.warn({ node: target.node, systems }, `the BMC manages ${systems.length} systems and none matches this node's MACs; using ${first}: pin bmc.nodes."<BMC MAC>".systemUuid to choose. Systems: ${described}`);
  quirks.add(`several systems, none matched: using ${first} of ${described}; pin bmc.nodes."<BMC MAC>".systemUuid`);
  return first;
}

function chosen(quirks: Quirks, systems: string[], s: string, by: string): string {
  quirks.add(`several systems (${systems.join(', ')}): chose ${s} by ${by}`);
  return s;
}

/** The Chassis of the chosen system: its Links.Chassis, else the service's only (or first) one. */
export async function chooseChassis(conn: RedfishConnection, system: Json, quirks: Quirks): Promise<string | undefined> {
  const linked = Array.isArray((system.Links as Json | undefined)?.Chassis) ? odataId(((system.Links as Json).Chassis as unknown[])[0]) : undefined;
  if (linked !== undefined) return linked;
  const all = members((await conn.get(await conn.rootLink('Chassis', 'list chassis'), 'list chassis')).body);
  if (all.length > 1) quirks.add(`several chassis and the system links none: using ${all[0]}`);
  return all[0];
}
