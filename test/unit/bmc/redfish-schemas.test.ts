/**
 * Redfish replies are parsed at the boundary (agent/bmc/redfish/schemas.ts): a malformed body from
 * a hostile or buggy BMC is RACKER_E_BMC naming the BMC, the resource's URL and the field, never a
 * cast that reads as "off", "none" or an empty list later. Also the pure conversions of the new
 * readings (fru, mc info, lan print) and what they report as absent.
 */
import { expect } from 'chai';
import type { z } from 'zod';
import {
  actionInfoSchema, checkedBody, collectionSchema, computerSystemSchema, ethernetInterfaceSchema, fieldPath, logEntryCollectionSchema,
  logServiceSchema, managerSchema, sensorSchema, serviceRootSchema, settingsSchema, thermalSchema,
} from '../../../agent/bmc/redfish/schemas.js';
import { fruOf, systemFactsOf } from '../../../agent/bmc/redfish/system-facts.js';
import { lanConfigOf, mcInfoOf } from '../../../agent/bmc/redfish/manager.js';
import { refusalOf } from '../../../agent/bmc/redfish/connection.js';
import type { BmcWhere } from '../../../agent/bmc/errors.js';

const where: BmcWhere = { node: 'node-7', address: '10.0.0.17', port: 8443, driver: 'redfish' };
type Failure = { code: string; message: string; hint?: string };

function refused(path: string, body: unknown, schema: z.ZodType<Record<string, unknown>>): Failure {
  try {
    checkedBody(where, 'read it', path, body, schema);
  } catch (e) {
    return e as Failure;
  }
  throw new Error(`${path}: the malformed body was accepted`);
}

const system = { PowerState: 'On', Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Continuous' } };

describe('Redfish replies checked against their schema', () => {
  const cases: Array<[string, string, unknown, z.ZodType<Record<string, unknown>>, string]> = [
    ['a boot override target that is a number', '/redfish/v1/Systems/1', { ...system, Boot: { BootSourceOverrideTarget: 5 } }, computerSystemSchema, 'Boot.BootSourceOverrideTarget: '],
    ['allowable boot targets that are not a list', '/redfish/v1/Systems/1', { ...system, Boot: { 'BootSourceOverrideTarget@Redfish.AllowableValues': 'Pxe' } }, computerSystemSchema, 'Boot["BootSourceOverrideTarget@Redfish.AllowableValues"]: '],
    ['a reset action without a target', '/redfish/v1/Systems/1', { ...system, Actions: { '#ComputerSystem.Reset': { 'ResetType@Redfish.AllowableValues': ['On'] } } }, computerSystemSchema, 'Actions["#ComputerSystem.Reset"].target: '],
    ['reset types that are not strings', '/redfish/v1/Systems/1', { ...system, Actions: { '#ComputerSystem.Reset': { target: '/x', 'ResetType@Redfish.AllowableValues': ['On', 7] } } }, computerSystemSchema, 'Actions["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"][1]: '],
    ['a power state Redfish does not have', '/redfish/v1/Systems/1', { ...system, PowerState: 'Sideways' }, computerSystemSchema, 'PowerState: '],
    ['a chassis link that is not a link', '/redfish/v1/Systems/1', { ...system, Links: { Chassis: ['/redfish/v1/Chassis/1'] } }, computerSystemSchema, 'Links.Chassis[0]: '],
    ['a settings object that is a string', '/redfish/v1/Systems/1', { ...system, '@Redfish.Settings': { SettingsObject: '/redfish/v1/Systems/1/Settings' } }, computerSystemSchema, '["@Redfish.Settings"].SettingsObject: '],
    ['memory in words', '/redfish/v1/Systems/1', { ...system, MemorySummary: { TotalSystemMemoryGiB: 'lots' } }, computerSystemSchema, 'MemorySummary.TotalSystemMemoryGiB: '],
    ['a pending boot that is a list', '/redfish/v1/Systems/1/Settings', { Boot: [] }, settingsSchema, 'Boot: '],
    ['action info parameters without names', '/redfish/v1/Systems/1/ResetActionInfo', { Parameters: [{ AllowableValues: ['On'] }] }, actionInfoSchema, 'Parameters[0].Name: '],
    ['a collection member without @odata.id', '/redfish/v1/Systems', { Members: [{ '@odata.id': '/a' }, {}] }, collectionSchema, 'Members[1]["@odata.id"]: '],
    ['a service root whose Systems is a string', '/redfish/v1/', { Systems: '/redfish/v1/Systems' }, serviceRootSchema, 'Systems: '],
    ['a sensor reading in words', '/redfish/v1/Chassis/1/Sensors/T', { Name: 'T', Reading: 'hot' }, sensorSchema, 'Reading: '],
    ['a thermal fan speed in words', '/redfish/v1/Chassis/1/Thermal', { Fans: [{ Name: 'Fan1', Reading: '5400 RPM' }] }, thermalSchema, 'Fans[0].Reading: '],
    ['a manager that serves servers as text', '/redfish/v1/Managers/1', { Links: { ManagerForServers: '/redfish/v1/Systems/1' } }, managerSchema, 'Links.ManagerForServers: '],
    ['a firmware version that is a number', '/redfish/v1/Managers/1', { FirmwareVersion: 2.81 }, managerSchema, 'FirmwareVersion: '],
    ['an IPv4 address that is a number', '/redfish/v1/Managers/1/EthernetInterfaces/eth0', { IPv4Addresses: [{ Address: 167772161 }] }, ethernetInterfaceSchema, 'IPv4Addresses[0].Address: '],
    ['a VLAN id that is negative', '/redfish/v1/Managers/1/EthernetInterfaces/eth0', { VLAN: { VLANEnable: true, VLANId: -1 } }, ethernetInterfaceSchema, 'VLAN.VLANId: '],
    ['a max record count in words', '/redfish/v1/Managers/1/LogServices/Sel', { MaxNumberOfRecords: 'many' }, logServiceSchema, 'MaxNumberOfRecords: '],
    ['a ClearLog action without a target', '/redfish/v1/Managers/1/LogServices/Sel', { Actions: { '#LogService.ClearLog': {} } }, logServiceSchema, 'Actions["#LogService.ClearLog"].target: '],
    ['a log entry whose sensor number is text', '/redfish/v1/Managers/1/LogServices/Sel/Entries', { Members: [{ Id: '1', SensorNumber: '0x01' }] }, logEntryCollectionSchema, 'Members[0].SensorNumber: '],
  ];
  for (const [what, path, body, schema, field] of cases) {
    it(`refuses ${what}, naming the BMC, the URL and the field`, () => {
      const f = refused(path, body, schema);
      expect(f.code).to.equal('RACKER_E_BMC');
      expect(f.message).to.include('node node-7: BMC 10.0.0.17:8443: read it: ');
      expect(f.message).to.include(`the Redfish resource ${path} is malformed: ${field}`);
      expect(f.hint).to.include('driver: ipmi');
    });
  }

  it('refuses an answer that is not a JSON object (an HTML page, a list, nothing)', () => {
    for (const body of ['<html>Login</html>', [system], null, undefined, 42]) {
      expect(refused('/redfish/v1/Systems/1', body, computerSystemSchema).message).to.include('/redfish/v1/Systems/1 is malformed: the answer is not a JSON object');
    }
  });

  it('keeps what a vendor adds, and takes null where Redfish allows a value to be unknown', () => {
    const body = { ...system, Oem: { Dell: { x: 1 } }, SerialNumber: null, MemorySummary: { TotalSystemMemoryGiB: null }, Boot: { ...system.Boot, BootSourceOverrideMode: null } };
    const parsed = checkedBody(where, 'read it', '/redfish/v1/Systems/1', body, computerSystemSchema);
    expect(parsed.Oem).to.deep.equal({ Dell: { x: 1 } });
    expect(systemFactsOf(parsed, undefined)).to.deep.equal({});
  });

  it('names fields the way an operator finds them in the JSON', () => {
    expect(fieldPath(['Boot', 'BootSourceOverrideTarget'])).to.equal('Boot.BootSourceOverrideTarget');
    expect(fieldPath(['Actions', '#ComputerSystem.Reset', 'target'])).to.equal('Actions["#ComputerSystem.Reset"].target');
    expect(fieldPath(['Members', 3, '@odata.id'])).to.equal('Members[3]["@odata.id"]');
    expect(fieldPath([])).to.equal('(the whole body)');
  });

  it('reads the words of a malformed error reply as none, without a second error', () => {
    const r = { status: 400, headers: {}, path: '/x', redirects: [] };
    expect(refusalOf({ ...r, body: { error: { '@Message.ExtendedInfo': 'oops' } } })).to.deep.equal({ status: 400, messageId: '', message: '' });
    expect(refusalOf({ ...r, body: { error: { code: 'Base.1.8.PropertyNotWritable', message: 'read only' } } })).to.deep.equal({ status: 400, messageId: 'Base.1.8.PropertyNotWritable', message: 'read only' });
  });
});

describe('Redfish facts as fru, mc info and lan print', () => {
  it('fru: the system as the product, its chassis as the chassis; empty and missing fields are reported as such', () => {
    const s = computerSystemSchema.parse({ ...system, Manufacturer: 'Acme', Model: 'R1', SerialNumber: '  ', SKU: 'S-1', BiosVersion: '2.1', MemorySummary: { TotalSystemMemoryGiB: 256 }, ProcessorSummary: { Count: 2, Model: 'Xeon' }, UUID: 'u-1' });
    const facts = systemFactsOf(s, { ChassisType: 'RackMount', SerialNumber: 'C-1' });
    expect(facts).to.deep.equal({ uuid: 'u-1', manufacturer: 'Acme', model: 'R1', sku: 'S-1', biosVersion: '2.1', memoryGiB: 256, processorCount: 2, processorModel: 'Xeon', chassis: { type: 'RackMount', serial: 'C-1' } });
    const fru = fruOf(facts);
    expect(fru).to.deep.include({ productManufacturer: 'Acme', productName: 'R1', productSku: 'S-1', chassisType: 'RackMount', chassisSerial: 'C-1', memoryGiB: 256 });
    expect(fru.notReported).to.deep.equal(['chassisPartNumber', 'productSerial', 'productPartNumber', 'productAssetTag']);
  });

  it('mc info: firmware, model, UUID, type and status from the Manager; what it lacks is listed', () => {
    expect(mcInfoOf(managerSchema.parse({ ManagerType: 'BMC', FirmwareVersion: '1.2', Status: { State: 'Enabled', Health: 'Warning' } }))).to.deep.equal({
      firmwareRevision: '1.2', managerType: 'BMC', status: 'Enabled, health Warning', available: true, notReported: ['manufacturer', 'model', 'uuid'],
    });
  });

  it('lan print: address, origin, gateway and VLAN; VLAN off is "disabled", a BMC without VLAN object does not report it', () => {
    const nic = ethernetInterfaceSchema.parse({ Id: 'eth0', MACAddress: 'AA:BB:CC:00:11:22', IPv4Addresses: [{ Address: '10.0.0.5', SubnetMask: '255.255.255.0', AddressOrigin: 'Static', Gateway: '10.0.0.1' }], VLAN: { VLANEnable: false, VLANId: 7 } });
    expect(lanConfigOf(1, nic)).to.deep.equal({ channel: 1, interface: 'eth0', ipSource: 'static', ipAddress: '10.0.0.5', subnetMask: '255.255.255.0', defaultGateway: '10.0.0.1', macAddress: 'aa:bb:cc:00:11:22' });
    expect(lanConfigOf(2, ethernetInterfaceSchema.parse({ Id: 'eth1', IPv4Addresses: [] })).notReported).to.deep.equal(['ipSource', 'ipAddress', 'subnetMask', 'defaultGateway', 'macAddress', 'vlanId']);
  });
});
