/**
 * The Redfish emulator's (redfish-emulator.ts) chassis documents: the Chassis with its asset
 * fields, and its sensors in the three shapes vendors use (the profile's `thermal`: the Sensors
 * collection, ThermalSubsystem, or the deprecated Thermal and Power resources, with v1.0 names),
 * and the collection shape every member list shares.
 */
import type { VendorProfile } from './redfish-profiles.js';

export type Json = Record<string, unknown>;

export function collection(path: string, type: string, members: string[]): Json {
  return { '@odata.id': path, '@odata.type': `#${type}Collection.${type}Collection`, Name: `${type} Collection`, Members: members.map((m) => ({ '@odata.id': m })), 'Members@odata.count': members.length };
}

export function chassisResource(profile: VendorProfile, path: string, cp: string, sp: string): Json | undefined {
  const t = profile.thermal;
  if (path === cp) {
    return {
      '@odata.id': cp, '@odata.type': '#Chassis.v1_21_0.Chassis', Id: cp.split('/').pop(), Name: 'Chassis', ChassisType: 'RackMount',
      ...(profile.inventory === 'full' ? { Manufacturer: 'racker', SerialNumber: `CH-EMU-${cp.slice(-1)}`, PartNumber: 'CH-PN-2' } : {}), Links: { ComputerSystems: [{ '@odata.id': sp }] },
      ...(t === 'sensors' ? { Sensors: { '@odata.id': `${cp}/Sensors` } } : {}),
      ...(t === 'thermal-subsystem' ? { ThermalSubsystem: { '@odata.id': `${cp}/ThermalSubsystem` } } : {}),
      ...(t === 'thermal' || t === 'thermal-v1.0' ? { Thermal: { '@odata.id': `${cp}/Thermal` }, Power: { '@odata.id': `${cp}/Power` } } : {}),
    };
  }
  if (t === 'sensors') {
    if (path === `${cp}/Sensors`) return collection(path, 'Sensor', ['CPU1Temp', 'Fan1', 'PSU12V'].map((n) => `${path}/${n}`));
    const sensors: Record<string, Json> = {
      CPU1Temp: { Name: 'CPU1 Temp', ReadingType: 'Temperature', Reading: 40, ReadingUnits: 'Cel' },
      Fan1: { Name: 'Fan1', ReadingType: 'Rotational', Reading: 5400, ReadingUnits: 'RPM' },
      PSU12V: { Name: '12V', ReadingType: 'Voltage', Reading: 12, ReadingUnits: 'V', Status: { State: 'Enabled', Health: 'Warning' } },
    };
    const id = path.slice(`${cp}/Sensors/`.length);
    const s = path.startsWith(`${cp}/Sensors/`) ? sensors[id] : undefined;
    return s === undefined ? undefined : { '@odata.id': path, '@odata.type': '#Sensor.v1_7_0.Sensor', Id: id, Status: { State: 'Enabled', Health: 'OK' }, ...s };
  }
  if (t === 'thermal-subsystem') {
    const ts = `${cp}/ThermalSubsystem`;
    if (path === ts) return { '@odata.id': ts, '@odata.type': '#ThermalSubsystem.v1_2_0.ThermalSubsystem', Id: 'ThermalSubsystem', Name: 'Thermal Subsystem', Fans: { '@odata.id': `${ts}/Fans` }, ThermalMetrics: { '@odata.id': `${ts}/ThermalMetrics` } };
    if (path === `${ts}/Fans`) return collection(path, 'Fan', [`${path}/Fan1`]);
    if (path === `${ts}/Fans/Fan1`) return { '@odata.id': path, '@odata.type': '#Fan.v1_4_0.Fan', Id: 'Fan1', Name: 'Fan1', SpeedPercent: { Reading: 45, SpeedRPM: 5400 }, Status: { State: 'Enabled', Health: 'OK' } };
    if (path === `${ts}/ThermalMetrics`) return { '@odata.id': path, '@odata.type': '#ThermalMetrics.v1_0_0.ThermalMetrics', Id: 'ThermalMetrics', Name: 'Thermal Metrics', TemperatureReadingsCelsius: [{ DeviceName: 'CPU1 Temp', Reading: 40, DataSourceUri: `${cp}/Sensors/CPU1Temp` }] };
    return undefined;
  }
  if (path === `${cp}/Thermal`) {
    const fan = t === 'thermal-v1.0' ? { MemberId: '0', FanName: 'Fan1', ReadingRPM: 5400 } : { MemberId: '0', Name: 'Fan1', Reading: 5400, ReadingUnits: 'RPM' };
    return { '@odata.id': path, '@odata.type': '#Thermal.v1_0_0.Thermal', Id: 'Thermal', Name: 'Thermal', Temperatures: [{ MemberId: '0', Name: 'CPU1 Temp', ReadingCelsius: 40, Status: { Health: 'OK' } }], Fans: [{ ...fan, Status: { Health: 'OK' } }] };
  }
  if (path === `${cp}/Power`) return { '@odata.id': path, '@odata.type': '#Power.v1_0_0.Power', Id: 'Power', Name: 'Power', Voltages: [{ MemberId: '0', Name: '12V', ReadingVolts: 12, Status: { Health: 'Warning' } }] };
  return undefined;
}
