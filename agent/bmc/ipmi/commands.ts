/**
 * The IPMI commands racker uses, as pure request builders and response decoders (IPMI v2.0
 * chapters 22, 28 and 33). The session layer sends them; nothing here does I/O.
 */
import { NetFn, type IpmiRequest } from './message.js';
import type { BmcUser, BootDevice, BootFlags, BootOverride, ChassisStatus } from '../bmc-client.js';

const req = (netFn: number, command: number, data: number[] | Uint8Array = []): IpmiRequest => ({ netFn, command, data: Uint8Array.from(data) });

/** Get Channel Authentication Capabilities for the current channel, asking for IPMI v2.0 data. */
export const getChannelAuthCaps = (privilege: number): IpmiRequest => req(NetFn.app, 0x38, [0x8e, privilege]);

export interface ChannelAuthCaps {
  ipmi20: boolean;
  anonymousLogin: boolean;
}

export function decodeChannelAuthCaps(d: Buffer): ChannelAuthCaps | undefined {
  if (d.length < 8) return undefined;
  return { ipmi20: ((d[1] as number) & 0x80) !== 0 && ((d[3] as number) & 0x02) !== 0, anonymousLogin: ((d[2] as number) & 0x01) !== 0 };
}

export const getDeviceId = (): IpmiRequest => req(NetFn.app, 0x01);
export const setSessionPrivilege = (privilege: number): IpmiRequest => req(NetFn.app, 0x3b, [privilege]);
export const closeSession = (bmcSessionId: number): IpmiRequest => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(bmcSessionId >>> 0);
  return req(NetFn.app, 0x3c, b);
};

export const getChassisStatus = (): IpmiRequest => req(NetFn.chassis, 0x01);

export const ChassisControl = { powerDown: 0, powerUp: 1, powerCycle: 2, hardReset: 3, softShutdown: 5 } as const;
export const chassisControl = (action: number): IpmiRequest => req(NetFn.chassis, 0x02, [action]);
export const chassisIdentify = (seconds: number): IpmiRequest => req(NetFn.chassis, 0x04, [Math.max(0, Math.min(255, seconds))]);

const LAST_EVENTS: Array<[number, string]> = [[0x10, 'power on by IPMI command'], [0x08, 'power fault'], [0x04, 'interlock'], [0x02, 'overload'], [0x01, 'AC failed']];

export function decodeChassisStatus(d: Buffer): ChassisStatus | undefined {
  if (d.length < 3) return undefined;
  const current = d[0] as number;
  const faults: string[] = [];
  if ((current & 0x10) !== 0) faults.push('power control fault');
  if ((current & 0x08) !== 0) faults.push('main power fault');
  if ((current & 0x04) !== 0) faults.push('power interlock');
  if ((current & 0x02) !== 0) faults.push('power overload');
  const policy = ['always-off', 'previous', 'always-on', 'unknown'] as const;
  const misc = d[2] as number;
  const identify = (misc & 0x40) === 0 ? 'unknown' : (['off', 'temporary', 'indefinite', 'unknown'] as const)[(misc >> 4) & 0x3] as ChassisStatus['identify'];
  return {
    power: (current & 0x01) !== 0 ? 'on' : 'off',
    faults,
    lastPowerEvent: LAST_EVENTS.find(([bit]) => ((d[1] as number) & bit) !== 0)?.[1] ?? '',
    intrusion: (misc & 0x01) !== 0,
    frontPanelLockout: (misc & 0x02) !== 0,
    driveFault: (misc & 0x04) !== 0,
    coolingFault: (misc & 0x08) !== 0,
    identify,
    restorePolicy: policy[(current >> 5) & 0x3] as ChassisStatus['restorePolicy'],
  };
}

/** Boot option parameter 3: keep the boot flags valid (no auto-clear on the 60 s timeout, PEF, watchdog, reset, power button). */
export const disableBootFlagTimeout = (): IpmiRequest => req(NetFn.chassis, 0x08, [0x03, 0x1f]);
export const getBootFlagTimeout = (): IpmiRequest => req(NetFn.chassis, 0x09, [0x03, 0x00, 0x00]);

/** Device selector values of parameter 5, data byte 2 bits 5:2 (Table 28-14). */
const DEVICE_SELECTOR: Record<BootDevice, number> = { pxe: 0x1, disk: 0x2, cdrom: 0x5, bios: 0x6 };

/** Parameter 5 data bytes for an override: valid, persistent or next boot, EFI or legacy, device. */
export function bootFlagsData(o: BootOverride): Buffer {
  const byte1 = 0x80 | (o.persistent ? 0x40 : 0) | (o.efi ? 0x20 : 0);
  return Buffer.from([byte1, DEVICE_SELECTOR[o.device] << 2, 0x00, 0x00, 0x00]);
}

export const setBootFlags = (o: BootOverride): IpmiRequest => req(NetFn.chassis, 0x08, [0x05, ...bootFlagsData(o)]);
export const getBootFlags = (): IpmiRequest => req(NetFn.chassis, 0x09, [0x05, 0x00, 0x00]);

/** Decode a Get System Boot Options response for parameter 5: version, parameter, 5 data bytes. */
export function decodeBootFlags(d: Buffer): BootFlags | undefined {
  if (d.length < 7 || ((d[1] as number) & 0x7f) !== 0x05) return undefined;
  const data = d.subarray(2, 7);
  const selector = ((data[1] as number) >> 2) & 0x0f;
  const found = (Object.entries(DEVICE_SELECTOR) as Array<[BootDevice, number]>).find(([, v]) => v === selector)?.[0];
  return {
    valid: ((data[0] as number) & 0x80) !== 0,
    persistent: ((data[0] as number) & 0x40) !== 0,
    efi: ((data[0] as number) & 0x20) !== 0,
    device: selector === 0 ? 'none' : found ?? 'other',
    raw: data.toString('hex'),
  };
}

/** Boot flags in words, for `diag`. */
export function describeBootFlags(f: BootFlags): string {
  if (f.device === 'none') return `no boot override${f.valid ? '' : ' (flags not valid)'}`;
  return `${f.device}, ${f.persistent ? 'persistent' : 'next boot only'}, ${f.efi ? 'UEFI' : 'legacy BIOS'}${f.valid ? '' : ' (flags not valid)'}`;
}

export const getUserAccess = (channel: number, userId: number): IpmiRequest => req(NetFn.app, 0x44, [channel & 0x0f, userId & 0x3f]);
export const getUserName = (userId: number): IpmiRequest => req(NetFn.app, 0x46, [userId & 0x3f]);

/** Set User Password, operation "set password"; a 20-byte password when it does not fit in 16. */
export function setUserPassword(userId: number, password: string): IpmiRequest {
  const bytes = Buffer.from(password, 'utf8');
  const wide = bytes.length > 16;
  const field = Buffer.alloc(wide ? 20 : 16);
  bytes.copy(field);
  return req(NetFn.app, 0x47, Buffer.concat([Buffer.from([(userId & 0x3f) | (wide ? 0x80 : 0), 0x02]), field]));
}

const PRIVILEGES: Record<number, string> = { 0: 'reserved', 1: 'callback', 2: 'user', 3: 'operator', 4: 'administrator', 5: 'oem', 0x0f: 'no access' };

export interface UserAccess {
  maxUsers: number;
  /** The user's enable status (IPMI 2.0 errata: bits 7:6 of byte 2); undefined when the BMC does not say. */
  enabled: boolean | undefined;
  /** Per-channel access of this user. */
  privilege: string;
  ipmiMessaging: boolean;
}

export function decodeUserAccess(d: Buffer): UserAccess | undefined {
  if (d.length < 4) return undefined;
  const access = d[3] as number;
  const status = ((d[1] as number) >> 6) & 0x3;
  return { maxUsers: (d[0] as number) & 0x3f, enabled: status === 1 ? true : status === 2 ? false : undefined, privilege: PRIVILEGES[access & 0x0f] ?? `0x${(access & 0x0f).toString(16)}`, ipmiMessaging: (access & 0x10) !== 0 };
}

export function decodeUserName(d: Buffer): string {
  const end = d.indexOf(0);
  return d.subarray(0, end === -1 ? d.length : end).toString('latin1');
}

export function userFrom(id: number, name: string, access: UserAccess): BmcUser {
  return { id, name, enabled: access.enabled ?? (access.ipmiMessaging && access.privilege !== 'no access'), privilege: access.privilege };
}

/** Parse `raw` bytes given on the command line: "0x00 0x01", "00 01", "0 1". */
export function parseRawBytes(words: readonly string[]): number[] | undefined {
  const out: number[] = [];
  for (const w of words) {
    const m = /^(?:0x)?([0-9a-f]{1,2})$/i.exec(w);
    if (m === null) return undefined;
    out.push(parseInt(m[1] as string, 16));
  }
  return out;
}
