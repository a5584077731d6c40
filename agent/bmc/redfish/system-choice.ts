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
import { odataId, text, type RedfishConnection } from './connection.js';
import { collectionSchema, computerSystemSchema, ethernetInterfaceSchema, managerSchema, type ComputerSystem } from './schemas.js';

/** Bounds the reads a hostile or huge service can cause. */
const MAX_MEMBERS = 64;

/** The member URIs of a collection, read and checked (at most MAX_MEMBERS). */
export async function members(conn: RedfishConnection, uri: string, step: string): Promise<string[]> {
  const m = (await conn.read(uri, step, collectionSchema)).body.Members ?? [];
  return m.slice(0, MAX_MEMBERS).map((x) => x['@odata.id']);
}

const macOf = (v: string | null | undefined): string | undefined => (typeof v === 'string' ? normalizeMac(v) : undefined);

/** MACs of an EthernetInterfaces collection. */
async function interfaceMacs(conn: RedfishConnection, link: { '@odata.id': string } | null | undefined, step: string): Promise<string[]> {
  const uri = odataId(link);
  if (uri === undefined) return [];
  const out: string[] = [];
  for (const m of await members(conn, uri, step)) {
    const nic = (await conn.read(m, step, ethernetInterfaceSchema)).body;
    for (const mac of [macOf(nic.MACAddress), macOf(nic.PermanentMACAddress)]) if (mac !== undefined) out.push(mac);
  }
  return out;
}

export async function chooseSystem(conn: RedfishConnection, target: BmcTarget, log: Logger, quirks: Quirks): Promise<string> {
  const step = 'list systems';
  const systems = await members(conn, await conn.rootLink('Systems', step), step);
  if (systems.length === 0) throw bmcFailure(conn.where, step, 'the Redfish service lists no ComputerSystem');
  if (systems.length === 1) return systems[0] as string;
  const bodies = new Map<string, ComputerSystem>();
  for (const s of systems) bodies.set(s, (await conn.read(s, 'read system', computerSystemSchema)).body);

  const uuid = target.systemUuid?.toLowerCase();
  const byUuid = uuid === undefined ? undefined : systems.find((s) => text(bodies.get(s)?.UUID).toLowerCase() === uuid);
  if (byUuid !== undefined) return chosen(quirks, systems, byUuid, `UUID ${uuid}`);

  const bmcMac = target.bmcMac === undefined ? undefined : normalizeMac(target.bmcMac);
  if (bmcMac !== undefined) {
    const managers = await members(conn, await conn.rootLink('Managers', 'list managers'), 'list managers');
    for (const m of managers) {
      const manager = (await conn.read(m, 'read manager', managerSchema)).body;
      if (!(await interfaceMacs(conn, manager.EthernetInterfaces, 'read manager NICs')).includes(bmcMac)) continue;
      const served = (manager.Links?.ManagerForServers ?? []).map(odataId);
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
export async function chooseChassis(conn: RedfishConnection, system: ComputerSystem, quirks: Quirks): Promise<string | undefined> {
  const linked = odataId(system.Links?.Chassis?.[0]);
  if (linked !== undefined) return linked;
  const all = await members(conn, await conn.rootLink('Chassis', 'list chassis'), 'list chassis');
  if (all.length > 1) quirks.add(`several chassis and the system links none: using ${all[0]}`);
  return all[0];
}
