/**
 * Sensor readings over an open session: walk the SDR repository (Reserve SDR Repository, then Get
 * SDR record by record, whole records first and 16-byte pieces when the BMC cannot return that
 * many bytes at once), then Get Sensor Reading for every sensor the BMC itself owns.
 */
import type { SensorReading } from '../bmc-client.js';
import { bmcFailure, type BmcWhere } from '../errors.js';
import { describeCompletionCode, type IpmiResponse, type IpmiRequest } from './message.js';
import { getSdr, getSensorReading, parseSensorRecord, reserveSdrRepository, sensorReading, SDR_HEADER_LENGTH, SDR_LAST_RECORD, type SensorRecord } from './sdr.js';

type Send = (request: IpmiRequest, step: string) => Promise<IpmiResponse>;

const MAX_RECORDS = 1024;
const PIECE = 16;
const CC_RESERVATION_CANCELLED = 0xc5;
const CC_CANNOT_RETURN = 0xca;
const CC_NOT_PRESENT = 0xcb;

export async function readSensors(send: Send, where: BmcWhere): Promise<SensorReading[]> {
  const records = await walkSdr(send, where);
  const readings: SensorReading[] = [];
  for (const rec of records) {
    // Sensors behind satellite controllers need IPMB bridging, which racker does not do.
    if (rec.ownerId !== 0x20 || rec.ownerLun !== 0) {
      readings.push(sensorReading(rec, undefined));
      continue;
    }
    const r = await send(getSensorReading(rec.number), `get sensor reading ${rec.name}`);
    readings.push(sensorReading(rec, r.completionCode === 0 ? r.data : undefined));
  }
  return readings;
}

async function reserve(send: Send, where: BmcWhere): Promise<number> {
  const r = await send(reserveSdrRepository(), 'reserve SDR repository');
  // Some BMCs do not need reservations for reading and refuse the command: read with 0.
  if (r.completionCode !== 0) return 0;
  if (r.data.length < 2) throw bmcFailure(where, 'reserve SDR repository', 'short response');
  return r.data.readUInt16LE(0);
}

async function walkSdr(send: Send, where: BmcWhere): Promise<SensorRecord[]> {
  let reservation = await reserve(send, where);
  const out: SensorRecord[] = [];
  const seen = new Set<number>();
  let id = 0;
  while (id !== SDR_LAST_RECORD && !seen.has(id) && seen.size < MAX_RECORDS) {
    seen.add(id);
    let got = await readRecord(send, where, reservation, id);
    if (got === 'reservation') {
      reservation = await reserve(send, where);
      got = await readRecord(send, where, reservation, id);
    }
    if (got === 'reservation' || got === 'empty') break;
    const rec = parseSensorRecord(got.record);
    if (rec !== undefined) out.push(rec);
    id = got.next;
  }
  return out;
}

type RecordResult = { next: number; record: Buffer } | 'reservation' | 'empty';

async function readRecord(send: Send, where: BmcWhere, reservation: number, id: number): Promise<RecordResult> {
  const step = `get SDR record 0x${id.toString(16).padStart(4, '0')}`;
  const whole = await send(getSdr(reservation, id, 0, 0xff), step);
  if (whole.completionCode === 0 && whole.data.length >= 2 + SDR_HEADER_LENGTH) {
    return { next: whole.data.readUInt16LE(0), record: whole.data.subarray(2) };
  }
  if (whole.completionCode === CC_RESERVATION_CANCELLED) return 'reservation';
  if (whole.completionCode === CC_NOT_PRESENT && id === 0) return 'empty';
  if (whole.completionCode !== CC_CANNOT_RETURN && whole.completionCode !== 0xff && whole.completionCode !== 0xc7) {
    throw bmcFailure(where, step, describeCompletionCode(whole.completionCode));
  }
  const head = await send(getSdr(reservation, id, 0, SDR_HEADER_LENGTH), step);
  if (head.completionCode === CC_RESERVATION_CANCELLED) return 'reservation';
  if (head.completionCode !== 0 || head.data.length < 2 + SDR_HEADER_LENGTH) throw bmcFailure(where, step, describeCompletionCode(head.completionCode));
  const next = head.data.readUInt16LE(0);
  const total = SDR_HEADER_LENGTH + (head.data[2 + 4] as number);
  const parts = [head.data.subarray(2)];
  for (let offset = SDR_HEADER_LENGTH; offset < total; offset += PIECE) {
    const piece = await send(getSdr(reservation, id, offset, Math.min(PIECE, total - offset)), step);
    if (piece.completionCode === CC_RESERVATION_CANCELLED) return 'reservation';
    if (piece.completionCode !== 0) throw bmcFailure(where, step, describeCompletionCode(piece.completionCode));
    parts.push(piece.data.subarray(2));
  }
  return { next, record: Buffer.concat(parts) };
}
