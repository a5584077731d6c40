/**
 * FRU inventory (IPMI v2.0 §34 and the Platform Management FRU Information Storage Definition
 * v1.0): Get FRU Inventory Area Info and Read FRU Data as pure request builders, and the decoder of
 * the common header and the chassis, board and product info areas. A malformed area is skipped,
 * not fatal: a BMC's FRU is written by the vendor's factory and is often half filled.
 */
import { NetFn, type IpmiRequest } from './message.js';
import type { FruInfo } from '../bmc-client.js';

export const getFruAreaInfo = (fruId: number): IpmiRequest => ({ netFn: NetFn.storage, command: 0x10, data: Uint8Array.from([fruId]) });
export const readFruData = (fruId: number, offset: number, count: number): IpmiRequest =>
  ({ netFn: NetFn.storage, command: 0x11, data: Uint8Array.from([fruId, offset & 0xff, offset >> 8, count]) });

/** The size of FRU `fruId` and whether it is addressed in words. */
export function decodeFruAreaInfo(d: Buffer): { size: number; words: boolean } | undefined {
  return d.length < 3 ? undefined : { size: d.readUInt16LE(0), words: ((d[2] as number) & 0x01) !== 0 };
}

/** Read FRU Data answers: count returned, then the bytes. */
export function decodeFruData(d: Buffer): Buffer | undefined {
  const n = d[0];
  return n === undefined || d.length < 1 + n ? undefined : d.subarray(1, 1 + n);
}

/** SMBIOS chassis types (FRU spec: the chassis info area uses SMBIOS's table). */
const CHASSIS_TYPES = ['', 'Other', 'Unknown', 'Desktop', 'Low Profile Desktop', 'Pizza Box', 'Mini Tower', 'Tower', 'Portable',
  'LapTop', 'Notebook', 'Hand Held', 'Docking Station', 'All in One', 'Sub Notebook', 'Space-saving', 'Lunch Box',
  'Main Server Chassis', 'Expansion Chassis', 'SubChassis', 'Bus Expansion Chassis', 'Peripheral Chassis', 'RAID Chassis',
  'Rack Mount Chassis', 'Sealed-case PC', 'Multi-system Chassis', 'CompactPCI', 'AdvancedTCA', 'Blade', 'Blade Enclosure'];

const END_OF_FIELDS = 0xc1;
/** 1 January 1996, 00:00 UTC: the board's manufacturing time counts minutes from it. */
const FRU_EPOCH_MS = Date.UTC(1996, 0, 1);
const BCD_PLUS = '0123456789 -.:,_';

/** A type/length field's value in words (binary as hex, BCD plus, 6-bit packed ASCII, 8-bit text). */
function fieldText(typeLength: number, bytes: Buffer): string {
  switch (typeLength >> 6) {
    case 0: return bytes.toString('hex');
    case 1: return [...bytes].map((b) => `${BCD_PLUS[b >> 4]}${BCD_PLUS[b & 0x0f]}`).join('').trim();
    case 2: {
      // Packed least significant bits first: character c is bits 6c … 6c+5 of the field.
      let out = '';
      for (let bit = 0; bit + 6 <= bytes.length * 8; bit += 6) {
        const v = ((bytes[bit >> 3] ?? 0) | ((bytes[(bit >> 3) + 1] ?? 0) << 8)) >> (bit & 7);
        out += String.fromCharCode((v & 0x3f) + 0x20);
      }
      return out.trimEnd();
    }
    default: return bytes.toString('latin1').replace(/\0+$/, '').trim();
  }
}

/** The type/length fields from `at` until the end marker or the area's end. */
function fields(area: Buffer, at: number): string[] {
  const out: string[] = [];
  for (let i = at; i < area.length && area[i] !== END_OF_FIELDS;) {
    const tl = area[i] as number;
    const len = tl & 0x3f;
    if (i + 1 + len > area.length) break;
    out.push(fieldText(tl, area.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return out;
}

/** An area at 8 × `offset` whose length byte is 8 × its size; undefined when it does not fit. */
function area(fru: Buffer, offset: number): Buffer | undefined {
  if (offset === 0) return undefined;
  const start = offset * 8;
  const length = (fru[start + 1] ?? 0) * 8;
  return length === 0 || start + length > fru.length ? undefined : fru.subarray(start, start + length);
}

const set = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/** The inventory in FRU 0's bytes; undefined when the common header is not there. */
export function decodeFru(fru: Buffer): FruInfo | undefined {
  if (fru.length < 8 || ((fru[0] as number) & 0x0f) !== 0x01) return undefined;
  let sum = 0;
  for (const b of fru.subarray(0, 8)) sum = (sum + b) & 0xff;
  if (sum !== 0) return undefined;
  const info: Record<string, string | undefined> = {};
  const chassis = area(fru, fru[2] as number);
  if (chassis !== undefined) {
    const [part, serial] = fields(chassis, 3);
    Object.assign(info, { chassisType: set(CHASSIS_TYPES[chassis[2] as number]), chassisPartNumber: set(part), chassisSerial: set(serial) });
  }
  const board = area(fru, fru[3] as number);
  if (board !== undefined) {
    const minutes = (board[3] as number) | ((board[4] as number) << 8) | ((board[5] as number) << 16);
    const [manufacturer, product, serial, part] = fields(board, 6);
    Object.assign(info, {
      boardMfgDate: minutes === 0 ? undefined : new Date(FRU_EPOCH_MS + minutes * 60_000).toISOString(),
      boardManufacturer: set(manufacturer), boardProduct: set(product), boardSerial: set(serial), boardPartNumber: set(part),
    });
  }
  const product = area(fru, fru[4] as number);
  if (product !== undefined) {
    const [manufacturer, name, part, version, serial, asset] = fields(product, 3);
    Object.assign(info, {
      productManufacturer: set(manufacturer), productName: set(name), productPartNumber: set(part),
      productVersion: set(version), productSerial: set(serial), productAssetTag: set(asset),
    });
  }
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined));
}
