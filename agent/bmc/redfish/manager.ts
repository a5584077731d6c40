/**
 * The BMC itself over Redfish: the Manager of the node's system (its Links.ManagedBy, else the
 * service's only or first Manager) as `mc info`, its EthernetInterfaces as `lan print`
 * (channel N is the Nth interface, in the collection's order, as IPMI numbers LAN channels), and
 * its Manager.Reset action as `mc reset cold|warm`.
 */
import type { LanConfig, McInfo } from '../bmc-client.js';
import { ErrorCodes } from '../../lib/errors.js';
import { bmcFailure, bmcUnsupportedError, isBmcError } from '../errors.js';
import { allowedResetTypes } from './reset-types.js';
import type { Quirks } from '../quirks.js';
import { odataId, type RedfishConnection, type Resource } from './connection.js';
import { members } from './system-choice.js';
import { ethernetInterfaceSchema, managerSchema, type ComputerSystem, type EthernetInterface, type Manager } from './schemas.js';
import { defined, given, notReported } from './reported.js';

export async function readManager(conn: RedfishConnection, system: ComputerSystem, quirks: Quirks, step: string): Promise<Resource<Manager>> {
  const linked = odataId(system.Links?.ManagedBy?.[0]);
  if (linked !== undefined) return conn.read(linked, step, managerSchema);
  const [first, ...others] = await members(conn, await conn.rootLink('Managers', step), step);
  if (first === undefined) throw bmcUnsupportedError(conn.where, step, 'the Redfish service lists no Manager');
  if (others.length > 0) quirks.add(`several managers and the system links none: using ${first}`);
  return conn.read(first, step, managerSchema);
}

export function mcInfoOf(m: Manager): McInfo {
  const state = given(m.Status?.State);
  const health = given(m.Status?.Health);
  const info: McInfo = defined({
    firmwareRevision: given(m.FirmwareVersion), manufacturer: given(m.Manufacturer), model: given(m.Model), uuid: given(m.UUID), managerType: given(m.ManagerType),
    status: state === undefined && health === undefined ? undefined : [state, health === undefined ? undefined : `health ${health}`].filter((x) => x !== undefined).join(', '),
    available: state === undefined ? undefined : state === 'Enabled',
  });
  return { ...info, ...notReported(info, ['firmwareRevision', 'manufacturer', 'model', 'uuid', 'managerType', 'status']) };
}

const ORIGINS: Record<string, LanConfig['ipSource']> = { Static: 'static', DHCP: 'dhcp', BOOTP: 'other', IPv4LinkLocal: 'other' };

export function lanConfigOf(channel: number, nic: EthernetInterface): LanConfig {
  const v4 = nic.IPv4Addresses?.[0];
  const origin = given(v4?.AddressOrigin);
  const vlan = nic.VLAN;
  const lan: LanConfig = defined({
    channel,
    interface: given(nic.Id),
    ipSource: origin === undefined ? undefined : ORIGINS[origin] ?? 'other',
    ipAddress: given(v4?.Address), subnetMask: given(v4?.SubnetMask), defaultGateway: given(v4?.Gateway),
    macAddress: given(nic.MACAddress)?.toLowerCase() ?? given(nic.PermanentMACAddress)?.toLowerCase(),
    vlanId: vlan?.VLANEnable === true ? vlan.VLANId ?? undefined : undefined,
    vlanPriority: vlan?.VLANEnable === true ? vlan.VLANPriority ?? undefined : undefined,
  });
  // VLAN off is a value ("disabled"), not a gap; a VLAN object the BMC does not send is a gap.
  const gaps = [...(notReported(lan, ['ipSource', 'ipAddress', 'subnetMask', 'defaultGateway', 'macAddress']).notReported ?? []), ...(vlan == null ? ['vlanId'] : [])];
  return { ...lan, ...(gaps.length === 0 ? {} : { notReported: gaps }) };
}

/** Channel N: the manager's Nth EthernetInterface. */
export async function readLanConfig(conn: RedfishConnection, manager: Resource<Manager>, channel: number): Promise<LanConfig> {
  const step = `lan print ${channel}`;
  const uri = odataId(manager.body.EthernetInterfaces);
  if (uri === undefined) throw bmcUnsupportedError(conn.where, step, `the manager ${manager.path} has no EthernetInterfaces`);
  const nics = await members(conn, uri, step);
  const nic = nics[channel - 1];
  if (nic === undefined) {
    throw bmcFailure(conn.where, step, `the manager has ${nics.length} network interface${nics.length === 1 ? '' : 's'} (${nics.join(', ')}), no channel ${channel}`,
      `over Redfish channel N is the manager's Nth interface: racker ipmi NODE lan print 1${nics.length > 1 ? ` … ${nics.length}` : ''}`);
  }
  return lanConfigOf(channel, (await conn.read(nic, step, ethernetInterfaceSchema)).body);
}

/**
 * IPMI's two BMC restarts as the Manager.Reset types that mean the same (DMTF ResetType): a cold
 * reset reinitialises the controller at once, a warm one lets it shut down in order first.
 */
export const MANAGER_RESET_TYPES = { cold: 'ForceRestart', warm: 'GracefulRestart' } as const;

/**
 * `mc reset cold|warm`: POST the manager's Reset action with the type that means it, when the BMC
 * allows that type (it says which it allows; one that says nothing is sent the standard's). A BMC
 * that restarts before it answers is what was asked: the request went out (`answered: false`).
 */
export async function resetManager(conn: RedfishConnection, manager: Resource<Manager>, kind: 'cold' | 'warm'): Promise<{ answered: boolean }> {
  const step = `mc reset ${kind}`;
  const action = manager.body.Actions?.['#Manager.Reset'];
  if (action == null) {
    throw bmcUnsupportedError(conn.where, step, `the manager ${manager.path} has no Manager.Reset action`, 'where the BMC also speaks IPMI, pin the ipmi driver for this node (bmc.nodes."<BMC MAC>".driver: ipmi); else its web interface restarts it');
  }
  const type = MANAGER_RESET_TYPES[kind];
  const allowed = await allowedResetTypes(conn, action, step);
  if (allowed !== undefined && !allowed.includes(type)) {
    const other = kind === 'cold' ? 'warm' : 'cold';
    throw bmcUnsupportedError(conn.where, step, `the manager allows the reset types ${allowed.length === 0 ? '(none)' : allowed.join(', ')}, not ${type}`,
      allowed.includes(MANAGER_RESET_TYPES[other]) ? `this BMC restarts with: racker ipmi NODE mc reset ${other} (${MANAGER_RESET_TYPES[other]})` : 'its web interface, or removing its power, restarts it');
  }
  try {
    conn.expectOk(await conn.post(action.target, step, { ResetType: type }), step);
  } catch (e) {
    if (isBmcError(e) && e.code === ErrorCodes.bmcTimeout) return { answered: false };
    throw e;
  }
  // The session went with the BMC's restart: nothing to log out of.
  conn.forgetSession();
  return { answered: true };
}
