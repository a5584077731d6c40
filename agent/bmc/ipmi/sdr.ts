/**
 * Sensor Data Records and sensor readings (IPMI v2.0 chapters 33–36, 43): the SDR repository
 * walk requests, full (type 01h) and compact (type 02h) sensor record parsing, and the reading
 * conversion y = L[(M·x + B·10^K1)·10^K2]. Pure; the session layer sends the requests.
 */
import { NetFn, type IpmiRequest } from './message.js';
import type { SensorReading } from '../bmc-client.js';

export const reserveSdrRepository = (): IpmiRequest => ({ netFn: NetFn.storage, command: 0x22, data: new Uint8Array() });

export function getSdr(reservation: number, recordId: number, offset: number, count: number): IpmiRequest {
  return { netFn: NetFn.storage, command: 0x23, data: Uint8Array.from([reservation & 0xff, reservation >> 8, recordId & 0xff, recordId >> 8, offset, count]) };
}

export const getSensorReading = (sensor: number): IpmiRequest => ({ netFn: NetFn.sensor, command: 0x2d, data: Uint8Array.from([sensor]) });

/** The last record ID: the walk stops when "next record" is this. */
export const SDR_LAST_RECORD = 0xffff;
export const SDR_HEADER_LENGTH = 5;

export interface SensorRecord {
  recordId: number;
  ownerId: number;
  ownerLun: number;
  number: number;
  name: string;
  sensorType: number;
  eventReadingType: number;
  /** Conversion factors; absent for compact records, whose readings are discrete or unconverted. */
  conversion?: Conversion;
  unit: string;
}

export interface Conversion {
  /** 0 unsigned, 1 one's complement, 2 two's complement, 3 no analog reading. */
  format: number;
  linearization: number;
  m: number;
  b: number;
  k1: number;
  k2: number;
}

const signed = (value: number, bits: number): number => (value & (1 << (bits - 1))) !== 0 ? value - (1 << bits) : value;

const UNITS = ['', '°C', '°F', 'K', 'V', 'A', 'W', 'J', 'C', 'VA', 'nits', 'lm', 'lx', 'cd', 'kPa', 'PSI', 'N', 'CFM', 'RPM', 'Hz',
  'µs', 'ms', 's', 'min', 'h', 'd', 'week', 'mil', 'in', 'ft'];

const SENSOR_TYPES: Record<number, string> = {
  0x01: 'temperature', 0x02: 'voltage', 0x03: 'current', 0x04: 'fan', 0x05: 'physical security', 0x06: 'platform security',
  0x07: 'processor', 0x08: 'power supply', 0x09: 'power unit', 0x0a: 'cooling device', 0x0b: 'other', 0x0c: 'memory',
  0x0d: 'drive slot', 0x0f: 'firmware progress', 0x10: 'event logging', 0x11: 'watchdog', 0x12: 'system event',
  0x13: 'critical interrupt', 0x14: 'button', 0x15: 'board', 0x17: 'add-in card', 0x1b: 'cable', 0x1d: 'system boot',
  0x20: 'OS stop', 0x21: 'slot', 0x22: 'ACPI power state', 0x23: 'watchdog', 0x25: 'entity presence', 0x29: 'battery',
};

export function sensorTypeName(t: number): string {
  return SENSOR_TYPES[t] ?? `type 0x${t.toString(16).padStart(2, '0')}`;
}

function idString(rec: Buffer, at: number): string {
  const code = rec[at];
  if (code === undefined) return '';
  const length = code & 0x1f;
  return rec.subarray(at + 1, at + 1 + length).toString('latin1').replace(/\0+$/, '');
}

/** Parse one complete record (header included). Records other than sensors give undefined. */
export function parseSensorRecord(rec: Buffer): SensorRecord | undefined {
  const type = rec[3];
  if ((type !== 0x01 && type !== 0x02) || rec.length < 32) return undefined;
  const units1 = rec[20] as number;
  const base = {
    recordId: rec.readUInt16LE(0),
    ownerId: rec[5] as number,
    ownerLun: (rec[6] as number) & 0x03,
    number: rec[7] as number,
    sensorType: rec[12] as number,
    eventReadingType: rec[13] as number,
    unit: ((units1 & 0x01) !== 0 ? '%' : '') + (UNITS[rec[21] as number] ?? `unit ${rec[21]}`),
  };
  if (type === 0x02) return { ...base, name: idString(rec, 31) };
  if (rec.length < 48) return undefined;
  const conversion: Conversion = {
    format: (units1 >> 6) & 0x3,
    linearization: (rec[23] as number) & 0x7f,
    m: signed(((rec[25] as number) >> 6) << 8 | (rec[24] as number), 10),
    b: signed(((rec[27] as number) >> 6) << 8 | (rec[26] as number), 10),
    k1: signed((rec[29] as number) & 0x0f, 4),
    k2: signed((rec[29] as number) >> 4, 4),
  };
  return { ...base, name: idString(rec, 47), conversion };
}

const LINEAR: Array<(x: number) => number> = [
  (x) => x, Math.log, Math.log10, Math.log2, Math.exp, (x) => 10 ** x, (x) => 2 ** x, (x) => 1 / x, (x) => x * x, (x) => x * x * x, Math.sqrt, Math.cbrt,
];

export function convertReading(raw: number, c: Conversion): number | undefined {
  if (c.format === 3) return undefined;
  const x = c.format === 1 ? ((raw & 0x80) !== 0 ? -((~raw) & 0xff) : raw) : c.format === 2 ? signed(raw, 8) : raw;
  const y = (c.m * x + c.b * 10 ** c.k1) * 10 ** c.k2;
  const f = LINEAR[c.linearization] ?? ((v: number): number => v);
  // Round away binary noise from the powers of ten (e.g. 0.1 × 3).
  return Number(f(y).toPrecision(10));
}

/** Combine a record with a Get Sensor Reading response (reading, flags, threshold status). */
export function sensorReading(rec: SensorRecord, d: Buffer | undefined): SensorReading {
  const base = { name: rec.name, type: sensorTypeName(rec.sensorType), unit: rec.unit };
  const flags = d?.[1];
  if (d === undefined || flags === undefined || (flags & 0x20) !== 0 || (flags & 0x40) === 0) return { ...base, value: undefined, status: 'unavailable' };
  if (rec.eventReadingType !== 0x01 || rec.conversion === undefined) return { ...base, value: undefined, status: 'discrete' };
  const thresholds = d[2] ?? 0;
  const status = (thresholds & 0x36) !== 0 ? 'critical' : (thresholds & 0x09) !== 0 ? 'warning' : 'ok';
  return { ...base, value: convertReading(d[0] as number, rec.conversion), status };
}
