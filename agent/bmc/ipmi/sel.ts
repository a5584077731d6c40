/**
 * The System Event Log (IPMI v2.0 chapters 31 and 32): Get SEL Info, Reserve SEL, Get SEL Entry,
 * Clear SEL as pure request builders, and the record decoder, which words an event the way
 * ipmitool's `sel list` does (sensor type and number, event offset, direction) without the SDRs.
 */
import { NetFn, type IpmiRequest } from './message.js';
import type { SelEntry, SelInfo } from '../bmc-client.js';

const req = (command: number, data: number[] = []): IpmiRequest => ({ netFn: NetFn.storage, command, data: Uint8Array.from(data) });

export const getSelInfo = (): IpmiRequest => req(0x40);
export const reserveSel = (): IpmiRequest => req(0x42);
/** Record `id` (0 is the first), whole (offset 0, 0xff bytes). Reservation 0: a whole-record read needs none. */
export const getSelEntry = (id: number): IpmiRequest => req(0x43, [0, 0, id & 0xff, id >> 8, 0x00, 0xff]);
/** Clear SEL: `initiate` starts the erase, else it asks how far it got. */
export const clearSel = (reservation: number, initiate: boolean): IpmiRequest => req(0x47, [reservation & 0xff, reservation >> 8, 0x43, 0x4c, 0x52, initiate ? 0xaa : 0x00]);

/** The "next record ID" after the last record. */
export const LAST_RECORD = 0xffff;
/** Time stamps up to this are seconds since the BMC initialised, not since 1970 (IPMI v2.0 §37). */
const PRE_INIT_MAX = 0x20000000;
/** Time stamp of "unspecified". */
const NO_TIME = 0xffffffff;

function time(seconds: number): string | undefined {
  return seconds === NO_TIME || seconds <= PRE_INIT_MAX ? undefined : new Date(seconds * 1000).toISOString();
}

export function decodeSelInfo(d: Buffer): SelInfo | undefined {
  if (d.length < 14) return undefined;
  return {
    entries: d.readUInt16LE(1),
    freeBytes: d.readUInt16LE(3),
    ...optional('lastAdd', time(d.readUInt32LE(5))),
    ...optional('lastErase', time(d.readUInt32LE(9))),
    overflow: ((d[13] as number) & 0x80) !== 0,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

/** A Get SEL Entry response: the next record's ID and this record. */
export function decodeSelEntryResponse(d: Buffer): { next: number; record: Buffer } | undefined {
  if (d.length < 18) return undefined;
  return { next: d.readUInt16LE(0), record: d.subarray(2, 18) };
}

/** Sensor types (IPMI v2.0 table 42-3), worded as ipmitool's `sel list` words them. */
const SENSOR_TYPES: readonly string[] = [
  'Reserved', 'Temperature', 'Voltage', 'Current', 'Fan', 'Physical Security', 'Platform Security', 'Processor',
  'Power Supply', 'Power Unit', 'Cooling Device', 'Other', 'Memory', 'Drive Slot / Bay', 'POST Memory Resize',
  'System Firmwares', 'Event Logging Disabled', 'Watchdog1', 'System Event', 'Critical Interrupt', 'Button',
  'Module / Board', 'Microcontroller', 'Add-in Card', 'Chassis', 'Chip Set', 'Other FRU', 'Cable / Interconnect',
  'Terminator', 'System Boot Initiated', 'Boot Error', 'OS Boot', 'OS Critical Stop', 'Slot / Connector',
  'System ACPI Power State', 'Watchdog2', 'Platform Alert', 'Entity Presence', 'Monitor ASIC', 'LAN',
  'Management Subsys Health', 'Battery', 'Session Audit', 'Version Change', 'FRU State',
];

/** Event/reading type 01h offsets (table 42-2). */
const THRESHOLD = [
  'Lower Non-critical going low', 'Lower Non-critical going high', 'Lower Critical going low', 'Lower Critical going high',
  'Lower Non-recoverable going low', 'Lower Non-recoverable going high', 'Upper Non-critical going low', 'Upper Non-critical going high',
  'Upper Critical going low', 'Upper Critical going high', 'Upper Non-recoverable going low', 'Upper Non-recoverable going high',
];

/** Sensor-specific offsets (type 6Fh, table 42-3) of the sensors a rack operator meets at 2 a.m. */
const SENSOR_SPECIFIC: Readonly<Record<number, readonly string[]>> = {
  0x07: ['IERR', 'Thermal Trip', 'FRB1/BIST failure', 'FRB2/Hang in POST failure', 'FRB3/Processor Startup/Init failure', 'Configuration Error', 'SM BIOS Uncorrectable CPU-complex Error', 'Presence detected', 'Disabled', 'Terminator presence detected', 'Throttled'],
  0x08: ['Presence detected', 'Failure detected', 'Predictive failure', 'Power Supply AC lost', 'AC lost or out-of-range', 'AC out-of-range, but present', 'Config Error'],
  0x0c: ['Correctable ECC', 'Uncorrectable ECC', 'Parity', 'Memory Scrub Failed', 'Memory Device Disabled', 'Correctable ECC logging limit reached', 'Presence Detected', 'Configuration Error', 'Spare', 'Throttled', 'Critical Overtemperature'],
  0x10: ['Correctable memory error logging disabled', 'Event Type Logging Disabled', 'Log area reset/cleared', 'All Event Logging Disabled', 'Log full', 'Log almost full'],
  0x12: ['System Reconfigured', 'OEM System boot event', 'Undetermined system hardware failure', 'Entry added to auxiliary log', 'PEF Action', 'Timestamp Clock Sync'],
  0x1d: ['Initiated by power up', 'Initiated by hard reset', 'Initiated by warm reset', 'User requested PXE boot', 'Automatic boot to diagnostic', 'OS initiated hard reset', 'OS initiated warm reset', 'System Restart'],
  0x23: ['Timer expired, status only', 'Hard reset', 'Power down', 'Power cycle', '', '', '', '', 'Timer interrupt'],
};

/** Generic (event/reading types 02h–0Ch) offsets of the common ones (table 42-2). */
const GENERIC: Readonly<Record<number, readonly string[]>> = {
  0x03: ['State Deasserted', 'State Asserted'],
  0x07: ['transition to OK', 'transition to Non-critical from OK', 'transition to Critical from less severe', 'transition to Non-recoverable from less severe', 'transition to Non-critical from more severe', 'transition to Critical from Non-recoverable', 'transition to Non-recoverable', 'Monitor', 'Informational'],
  0x08: ['Device Absent', 'Device Present'],
  0x09: ['Device Disabled', 'Device Enabled'],
};

export function sensorTypeName(type: number): string {
  return SENSOR_TYPES[type] ?? (type >= 0xc0 ? 'OEM' : `sensor type 0x${type.toString(16).padStart(2, '0')}`);
}

function describeEvent(sensorType: number, eventType: number, data1: number): string {
  const offset = data1 & 0x0f;
  const hex = `0x${offset.toString(16).padStart(2, '0')}`;
  if (eventType === 0x01) return THRESHOLD[offset] ?? `threshold offset ${hex}`;
  const table = eventType === 0x6f ? SENSOR_SPECIFIC[sensorType] : GENERIC[eventType];
  const text = table?.[offset];
  return text === undefined || text === '' ? `event type 0x${eventType.toString(16).padStart(2, '0')} offset ${hex}` : text;
}

/** One 16-byte SEL record. */
export function decodeSelRecord(r: Buffer): SelEntry | undefined {
  if (r.length < 16) return undefined;
  const id = r.readUInt16LE(0);
  const type = r[2] as number;
  const raw = r.toString('hex');
  if (type >= 0xc0) {
    // OEM: timestamped (C0h–DFh: time, manufacturer, 6 bytes) or not (E0h–FFh: 13 bytes).
    const stamped = type < 0xe0;
    const seconds = stamped ? r.readUInt32LE(3) : NO_TIME;
    return { id, ...optional('time', time(seconds)), ...(stamped && seconds <= PRE_INIT_MAX ? { sinceInit: seconds } : {}),
      sensor: `OEM record 0x${type.toString(16)}`, event: r.subarray(stamped ? 7 : 3).toString('hex'), direction: 'asserted', raw };
  }
  const seconds = r.readUInt32LE(3);
  const sensorType = r[10] as number;
  const dirType = r[12] as number;
  return {
    id,
    ...optional('time', time(seconds)),
    ...(seconds !== NO_TIME && seconds <= PRE_INIT_MAX ? { sinceInit: seconds } : {}),
    sensor: `${sensorTypeName(sensorType)} #0x${(r[11] as number).toString(16).padStart(2, '0')}`,
    event: describeEvent(sensorType, dirType & 0x7f, r[13] as number),
    direction: (dirType & 0x80) === 0 ? 'asserted' : 'deasserted',
    raw,
  };
}
