/**
 * The management controller itself (IPMI v2.0 §20): Get Device ID decoded into McInfo, and the
 * cold and warm reset requests. Pure.
 */
import { NetFn, type IpmiRequest } from './message.js';
import type { McInfo } from '../bmc-client.js';

export const coldReset = (): IpmiRequest => ({ netFn: NetFn.app, command: 0x02, data: new Uint8Array() });
export const warmReset = (): IpmiRequest => ({ netFn: NetFn.app, command: 0x03, data: new Uint8Array() });

/** IANA enterprise numbers of the BMC makers a rack is likely to hold. */
const MANUFACTURERS: Readonly<Record<number, string>> = {
  2: 'IBM', 11: 'Hewlett-Packard', 343: 'Intel', 674: 'Dell', 2011: 'Huawei', 4753: 'MontaVista Software',
  7244: 'Quanta', 10368: 'Fujitsu', 10876: 'Supermicro', 15370: 'Gigabyte', 19046: 'Lenovo', 47196: 'Hewlett Packard Enterprise',
};

const SUPPORT = ['sensor device', 'SDR repository device', 'SEL device', 'FRU inventory device', 'IPMB event receiver', 'IPMB event generator', 'bridge', 'chassis device'];

export function manufacturerName(id: number): string {
  return MANUFACTURERS[id] ?? `IANA enterprise ${id}`;
}

export function decodeDeviceId(d: Buffer): McInfo | undefined {
  if (d.length < 11) return undefined;
  const manufacturerId = ((d[6] as number) | ((d[7] as number) << 8) | ((d[8] as number) << 16)) & 0x0fffff;
  const ipmi = d[4] as number;
  const support = d[5] as number;
  return {
    deviceId: d[0] as number,
    deviceRevision: (d[1] as number) & 0x0f,
    // Major in binary, minor in BCD: 9 and 0x08 are "9.08", as ipmitool shows it.
    firmwareRevision: `${(d[2] as number) & 0x7f}.${(d[3] as number).toString(16).padStart(2, '0')}`,
    ipmiVersion: `${ipmi & 0x0f}.${ipmi >> 4}`,
    manufacturerId,
    manufacturer: manufacturerName(manufacturerId),
    productId: d.readUInt16LE(9),
    available: ((d[2] as number) & 0x80) === 0,
    supports: SUPPORT.filter((_, bit) => (support & (1 << bit)) !== 0),
    ...(d.length >= 15 ? { auxFirmwareRevision: d.subarray(11, 15).toString('hex') } : {}),
  };
}
