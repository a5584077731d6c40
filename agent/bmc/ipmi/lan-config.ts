/**
 * The BMC's LAN settings (IPMI v2.0 §23.1–23.2, Get LAN Configuration Parameters): which
 * parameters `racker ipmi NODE lan print` reads, and their decoding. A parameter the BMC does not
 * have (completion code 80h) is left out. Pure.
 */
import { NetFn, type IpmiRequest } from './message.js';
import type { LanConfig } from '../bmc-client.js';

export const getLanParameter = (channel: number, parameter: number): IpmiRequest =>
  ({ netFn: NetFn.transport, command: 0x02, data: Uint8Array.from([channel & 0x0f, parameter, 0x00, 0x00]) });

export const LanParameter = {
  ipAddress: 3, ipSource: 4, macAddress: 5, subnetMask: 6, defaultGateway: 12, defaultGatewayMac: 13,
  vlanId: 20, vlanPriority: 21, cipherSuiteCount: 22, cipherSuites: 23,
} as const;

const SOURCES: Array<LanConfig['ipSource']> = ['unspecified', 'static', 'dhcp', 'bios', 'other'];

const ipv4 = (b: Buffer): string | undefined => (b.length < 4 ? undefined : [...b.subarray(0, 4)].join('.'));
const mac = (b: Buffer): string | undefined => (b.length < 6 ? undefined : [...b.subarray(0, 6)].map((x) => x.toString(16).padStart(2, '0')).join(':'));

/**
 * LanConfig from the parameters' data (each response without its revision byte), by parameter
 * number; absent ones are left out.
 */
export function decodeLanConfig(channel: number, p: ReadonlyMap<number, Buffer>): LanConfig {
  const out: LanConfig = { channel };
  const get = (n: number): Buffer | undefined => p.get(n);
  const source = get(LanParameter.ipSource)?.[0];
  if (source !== undefined) out.ipSource = SOURCES[source & 0x0f] ?? 'other';
  const set = <K extends keyof LanConfig>(key: K, value: LanConfig[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  const read = <T>(n: number, decode: (b: Buffer) => T | undefined): T | undefined => {
    const b = get(n);
    return b === undefined ? undefined : decode(b);
  };
  set('ipAddress', read(LanParameter.ipAddress, ipv4));
  set('subnetMask', read(LanParameter.subnetMask, ipv4));
  set('macAddress', read(LanParameter.macAddress, mac));
  set('defaultGateway', read(LanParameter.defaultGateway, ipv4));
  set('defaultGatewayMac', read(LanParameter.defaultGatewayMac, mac));
  const vlan = get(LanParameter.vlanId);
  if (vlan !== undefined && vlan.length >= 2 && ((vlan[1] as number) & 0x80) !== 0) out.vlanId = vlan.readUInt16LE(0) & 0x0fff;
  set('vlanPriority', read(LanParameter.vlanPriority, (b) => (b[0] === undefined ? undefined : b[0] & 0x07)));
  const count = (get(LanParameter.cipherSuiteCount)?.[0] ?? 0) & 0x1f;
  // Parameter 23: a reserved byte, then one cipher suite ID per supported entry.
  set('cipherSuites', read(LanParameter.cipherSuites, (b) => [...b.subarray(1, 1 + count)]));
  return out;
}
