/**
 * What `racker ipmi` can ask of a BMC, parsed from words into a typed action, run against a
 * BmcClient, and rendered as one line (for --all) or a block (one node). Parsing and rendering
 * are pure; runAction only calls the client.
 */
import type { BmcClient, BootDevice, BootFlags, ChassisStatus, SensorReading, BmcUser, RawResponse, BootSetResult } from './bmc-client.js';
import { BOOT_DEVICES } from './bmc-client.js';
import { UsageError, errorMessage } from '../lib/errors.js';
import { describeBootFlags, parseRawBytes } from './ipmi/commands.js';
import { describeOverride } from './boot-flags.js';

export type Action =
  | { kind: 'diag' }
  | { kind: 'console' }
  | { kind: 'power'; op: 'status' | 'on' | 'off' | 'cycle' | 'reset' | 'soft' }
  | { kind: 'bootdev'; device: BootDevice; persistent: boolean; efi: boolean }
  | { kind: 'sensors' }
  | { kind: 'users' }
  | { kind: 'identify'; seconds: number }
  | { kind: 'raw'; netFn: number; command: number; data: number[] };

export const ACTION_USAGE = 'diag | console | power status|on|off|cycle|reset|soft | bootdev pxe|disk|bios|cdrom [--once] [--legacy] | sensors | users | identify [SECONDS] | raw NETFN CMD [DATA…]';

/** Words after the node → an action. `once`/`legacy` come from flags. Default: diag. */
export function parseAction(words: readonly string[], flags: { once?: boolean; legacy?: boolean }): Action {
  const [verb, ...rest] = words;
  const extra = (n: number): void => {
    if (rest.length > n) throw new UsageError(`unexpected "${rest[n]}" after ${verb}`, `actions: ${ACTION_USAGE}`);
  };
  if ((flags.once === true || flags.legacy === true) && verb !== 'bootdev') throw new UsageError('--once and --legacy go with bootdev only');
  switch (verb) {
    case undefined:
    case 'diag': extra(0); return { kind: 'diag' };
    case 'console': extra(0); return { kind: 'console' };
    case 'sensors': extra(0); return { kind: 'sensors' };
    case 'users': extra(0); return { kind: 'users' };
    case 'power': {
      const op = rest[0] ?? 'status';
      if (!['status', 'on', 'off', 'cycle', 'reset', 'soft'].includes(op)) throw new UsageError(`unknown power operation "${op}"`, 'power status|on|off|cycle|reset|soft');
      extra(1);
      return { kind: 'power', op: op as 'status' };
    }
    case 'bootdev': {
      const device = rest[0] as BootDevice | undefined;
      if (device === undefined || !BOOT_DEVICES.includes(device)) throw new UsageError(`bootdev needs a device: ${BOOT_DEVICES.join(', ')}`, 'e.g. racker ipmi 2 bootdev pxe (persistent and UEFI unless --once / --legacy)');
      extra(1);
      return { kind: 'bootdev', device, persistent: flags.once !== true, efi: flags.legacy !== true };
    }
    case 'identify': {
      const seconds = rest[0] === undefined ? 15 : Number(rest[0]);
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 255) throw new UsageError(`identify takes seconds from 0 to 255, not "${rest[0]}"`);
      extra(1);
      return { kind: 'identify', seconds };
    }
    case 'raw': {
      const bytes = parseRawBytes(rest);
      if (bytes === undefined || bytes.length < 2) throw new UsageError('raw needs NETFN CMD [DATA…] as bytes (0x06 0x01, or 06 01)');
      return { kind: 'raw', netFn: bytes[0] as number, command: bytes[1] as number, data: bytes.slice(2) };
    }
    default:
      throw new UsageError(`unknown action "${verb}"`, `actions: ${ACTION_USAGE}`);
  }
}

/** What an action returned, kept as data for --json. */
export type ActionValue =
  | { kind: 'power'; power: string; transition?: 'powering-on' | 'powering-off'; done?: string }
  | { kind: 'bootdev'; result: BootSetResult }
  | { kind: 'sensors'; sensors: SensorReading[] }
  | { kind: 'users'; users: BmcUser[] }
  | { kind: 'identify'; seconds: number }
  | { kind: 'raw'; completionCode: number; data: string }
  | { kind: 'diag'; reachable: boolean; status?: ChassisStatus; boot?: BootFlags; quirks: string[]; errors: string[] };

export async function runAction(c: BmcClient, a: Exclude<Action, { kind: 'console' }>): Promise<ActionValue> {
  switch (a.kind) {
    case 'power': {
      if (a.op !== 'status') {
        const op = { on: () => c.powerOn(), off: () => c.powerOff(), cycle: () => c.powerCycle(), reset: () => c.reset(), soft: () => c.softOff() }[a.op];
        await op();
      }
      const s = await c.chassisStatus();
      return { kind: 'power', power: s.power, ...(s.transition === undefined ? {} : { transition: s.transition }), ...(a.op === 'status' ? {} : { done: a.op }) };
    }
    case 'bootdev': return { kind: 'bootdev', result: await c.setBootDevice(a) };
    case 'sensors': return { kind: 'sensors', sensors: await c.sensors() };
    case 'users': return { kind: 'users', users: await c.users() };
    case 'identify': await c.identify(a.seconds); return { kind: 'identify', seconds: a.seconds };
    case 'raw': {
      const r: RawResponse = await c.raw(a.netFn, a.command, Uint8Array.from(a.data));
      return { kind: 'raw', completionCode: r.completionCode, data: Buffer.from(r.data).toString('hex').replace(/(..)(?!$)/g, '$1 ') };
    }
    case 'diag': {
      const errors: string[] = [];
      const reachable = await c.ping().catch((e: unknown) => { errors.push(errorMessage(e)); return false; });
      const status = await c.chassisStatus().catch((e: unknown) => { errors.push(errorMessage(e)); return undefined; });
      const boot = status === undefined ? undefined : await c.bootFlags().catch((e: unknown) => { errors.push(errorMessage(e)); return undefined; });
      const quirks = status === undefined || c.detectQuirks === undefined ? [] : await c.detectQuirks().catch((e: unknown) => { errors.push(errorMessage(e)); return []; });
      return { kind: 'diag', reachable, status, boot, quirks, errors };
    }
  }
}

/** One line for --all. */
export function summarize(v: ActionValue): string {
  switch (v.kind) {
    case 'power': {
      const power = `power ${v.power}${v.transition === undefined ? '' : ` (${v.transition.replace('-', ' ')})`}`;
      return v.done === undefined ? power : `${v.done} done, ${power}`;
    }
    case 'bootdev': return `boot ${describeOverride(v.result.requested)}; BMC reports ${describeBootFlags(v.result.readBack)}${v.result.mismatches.length > 0 ? ` (differs: ${v.result.mismatches.join(', ')})` : ''}`;
    case 'sensors': return v.sensors.map((s) => `${s.name}=${s.value ?? s.status}${s.value === undefined ? '' : s.unit}`).join(' ');
    case 'users': return v.users.filter((u) => u.name !== '').map((u) => `${u.id}:${u.name}(${u.privilege}${u.enabled ? '' : ', disabled'})`).join(' ');
    case 'identify': return `identify ${v.seconds} s`;
    case 'raw': return `completion code 0x${v.completionCode.toString(16).padStart(2, '0')}${v.data === '' ? '' : `: ${v.data}`}`;
    case 'diag': return v.status === undefined ? `unreachable${v.errors[0] === undefined ? '' : `: ${v.errors[0]}`}`
      : `power ${v.status.power}, ${v.boot === undefined ? 'boot flags unknown' : describeBootFlags(v.boot)}${v.quirks.length === 0 ? '' : `; adapted to: ${v.quirks.join('; ')}`}`;
  }
}

/** The block for one node. */
export function renderDetail(v: ActionValue): string {
  switch (v.kind) {
    case 'sensors': {
      const w = Math.max(4, ...v.sensors.map((s) => s.name.length));
      return v.sensors.map((s) => `${s.name.padEnd(w)}  ${s.value === undefined ? '-' : `${s.value} ${s.unit}`.padEnd(12)}  ${s.status}`).join('\n');
    }
    case 'users': {
      const named = v.users.filter((u) => u.name !== '' || u.enabled);
      return ['ID  NAME              ENABLED  PRIVILEGE', ...named.map((u) => `${String(u.id).padEnd(3)} ${u.name.padEnd(17)} ${(u.enabled ? 'yes' : 'no').padEnd(8)} ${u.privilege}`)].join('\n');
    }
    default: return summarize(v);
  }
}
