/**
 * ipmitool argument lists, built by pure functions and tested by value. The password never
 * appears here: ipmitool reads it from IPMI_PASSWORD because of `-E` (argv is world-readable
 * through /proc/PID/cmdline). The original put it after -P.
 */
import type { BootDevice, BootOverride } from '../bmc-client.js';

export interface IpmitoolConnection {
  address: string;
  port: number;
  user: string;
  cipherSuite: 3 | 17;
  /** Seconds ipmitool waits per try (-N). */
  timeoutSec: number;
  /** Tries (-R). */
  retries: number;
}

/**
 * The connection part of every call: lanplus, cipher, host, port, user, password from the
 * environment. `-v` (default) makes failures classifiable (wrong password vs no answer).
 */
export function connectionArgs(c: IpmitoolConnection, verbose = true): string[] {
  return [...(verbose ? ['-v'] : []), '-I', 'lanplus', '-C', String(c.cipherSuite), '-H', c.address, '-p', String(c.port), '-U', c.user, '-E',
    '-N', String(c.timeoutSec), '-R', String(c.retries)];
}

/** The environment that carries the password. */
export function passwordEnv(password: string): Record<string, string> {
  return { IPMI_PASSWORD: password };
}

export function ipmitoolArgs(c: IpmitoolConnection, command: readonly string[], verbose = true): string[] {
  return [...connectionArgs(c, verbose), ...command];
}

export const Commands = {
  chassisStatus: ['raw', '0x00', '0x01'],
  powerOn: ['chassis', 'power', 'on'],
  powerOff: ['chassis', 'power', 'off'],
  powerCycle: ['chassis', 'power', 'cycle'],
  reset: ['chassis', 'power', 'reset'],
  softOff: ['chassis', 'power', 'soft'],
  /** Boot option parameter 3: keep the flags (no 60 s timeout), as the original did. */
  disableBootFlagTimeout: ['raw', '0x00', '0x08', '0x03', '0x1f'],
  getBootFlags: ['chassis', 'bootparam', 'get', '5'],
  sensors: ['sensor', 'list'],
  users: ['user', 'list', '1'],
  solDeactivate: ['sol', 'deactivate'],
  solActivate: ['sol', 'activate'],
} as const;

const IPMITOOL_DEVICE: Record<BootDevice, string> = { pxe: 'pxe', disk: 'disk', bios: 'bios', cdrom: 'cdrom' };

/** `chassis bootdev <dev> [options=persistent,efiboot]` (ipmitool ≥ 1.8.19 applies both options). */
export function bootdevCommand(o: BootOverride): string[] {
  const options = [o.persistent ? 'persistent' : undefined, o.efi ? 'efiboot' : undefined].filter((x) => x !== undefined);
  return ['chassis', 'bootdev', IPMITOOL_DEVICE[o.device], ...(options.length > 0 ? [`options=${options.join(',')}`] : [])];
}

export function identifyCommand(seconds: number): string[] {
  return ['chassis', 'identify', String(Math.max(0, Math.min(255, Math.round(seconds))))];
}

export function rawCommand(netFn: number, command: number, data: Uint8Array): string[] {
  const h = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
  return ['raw', h(netFn), h(command), ...Array.from(data, h)];
}

/** The script fed to `ipmitool exec FILE` to set a password without putting it in argv. */
export function setPasswordScript(userId: number, password: string): string {
  if (/[\s"'\\]/.test(password)) throw new Error('the password contains white space or quotes, which ipmitool exec cannot carry');
  return `user set password ${userId} ${password}\n`;
}
