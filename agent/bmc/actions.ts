/**
 * What `racker ipmi` can ask of a BMC, parsed from words into a typed action, run against a
 * BmcClient, and rendered as one line (for --all) or a block (one node). Parsing and rendering
 * are pure; runAction only calls the client.
 */
import type { BmcClient, BootDevice, BootFlags, ChassisStatus, SensorReading, BmcUser, RawResponse, BootSetResult, SelEntry, SelInfo, FruInfo, McInfo, LanConfig } from './bmc-client.js';
import { BOOT_DEVICES } from './bmc-client.js';
import { ErrorCodes, RackerError, UsageError, errorMessage } from '../lib/errors.js';
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
  | { kind: 'raw'; netFn: number; command: number; data: number[] }
  | { kind: 'sel'; op: 'list' | 'info' | 'clear' }
  | { kind: 'fru' }
  | { kind: 'mc'; op: 'info' } | { kind: 'mc'; op: 'reset'; reset: 'cold' | 'warm' }
  | { kind: 'lan'; channel: number }
  | { kind: 'chassis' };

export const ACTION_USAGE = 'diag | console | power status|on|off|cycle|reset|soft | bootdev pxe|disk|bios|cdrom [--once] [--legacy] | sensors | users | identify [SECONDS] | raw NETFN CMD [DATA…] | sel list|info|clear | fru | mc info | mc reset cold|warm | lan print [CHANNEL] | chassis status';

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
    case 'sel': {
      const op = rest[0] ?? 'list';
      if (!['list', 'info', 'clear'].includes(op)) throw new UsageError(`unknown sel operation "${op}"`, 'sel list|info|clear');
      extra(1);
      return { kind: 'sel', op: op as 'list' };
    }
    case 'fru': {
      if (rest[0] !== undefined && rest[0] !== 'print') throw new UsageError(`unknown fru operation "${rest[0]}"`, 'fru [print]: FRU 0, the server\'s own inventory');
      extra(1);
      return { kind: 'fru' };
    }
    case 'mc': {
      if (rest[0] === 'info') {
        extra(1);
        return { kind: 'mc', op: 'info' };
      }
      if (rest[0] === 'reset' && (rest[1] === 'cold' || rest[1] === 'warm')) {
        extra(2);
        return { kind: 'mc', op: 'reset', reset: rest[1] };
      }
      throw new UsageError(`mc needs info, reset cold or reset warm${rest[0] === undefined ? '' : `, not "${rest.join(' ')}"`}`, 'mc info | mc reset cold|warm (resets the BMC, not the server)');
    }
    case 'lan': {
      if (rest[0] !== 'print') throw new UsageError('lan needs print: lan print [CHANNEL]');
      const channel = rest[1] === undefined ? 1 : Number(rest[1]);
      if (!Number.isInteger(channel) || channel < 1 || channel > 15) throw new UsageError(`lan print takes a channel from 1 to 15, not "${rest[1]}"`);
      extra(2);
      return { kind: 'lan', channel };
    }
    case 'chassis': {
      if (rest[0] !== 'status') throw new UsageError('chassis needs status: chassis status', 'power on/off/cycle/reset: racker ipmi NODE power …');
      extra(1);
      return { kind: 'chassis' };
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
  | { kind: 'diag'; reachable: boolean; status?: ChassisStatus; boot?: BootFlags; quirks: string[]; errors: string[] }
  | { kind: 'sel'; entries: SelEntry[] }
  | { kind: 'sel-info'; info: SelInfo }
  | { kind: 'sel-clear'; cleared: true }
  | { kind: 'fru'; fru: FruInfo }
  | { kind: 'mc'; mc: McInfo }
  | { kind: 'mc-reset'; reset: 'cold' | 'warm'; answered: boolean }
  | { kind: 'lan'; lan: LanConfig }
  | { kind: 'chassis'; status: ChassisStatus };

/** The client's optional method, or a clear error naming the driver that lacks it. */
function supported<K extends 'selInfo' | 'selList' | 'selClear' | 'fru' | 'mcInfo' | 'mcReset' | 'lanConfig'>(c: BmcClient, method: K, words: string): NonNullable<BmcClient[K]> {
  const fn = c[method];
  if (fn === undefined) {
    throw new RackerError(ErrorCodes.bmcUnsupported, `${words} is not supported over ${c.driver === 'redfish' ? 'Redfish' : `the ${c.driver} driver`}`, {
      hint: c.driver === 'redfish' ? 'where the BMC also speaks IPMI, pin the ipmi driver for this node (bmc.nodes."<BMC MAC>".driver: ipmi)' : 'use the ipmi driver for this node (bmc.nodes."<BMC MAC>".driver: ipmi)',
    });
  }
  return fn.bind(c) as NonNullable<BmcClient[K]>;
}

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
    case 'sel':
      if (a.op === 'info') return { kind: 'sel-info', info: await supported(c, 'selInfo', 'sel info')() };
      if (a.op === 'clear') {
        await supported(c, 'selClear', 'sel clear')();
        return { kind: 'sel-clear', cleared: true };
      }
      return { kind: 'sel', entries: await supported(c, 'selList', 'sel list')() };
    case 'fru': return { kind: 'fru', fru: await supported(c, 'fru', 'fru')() };
    case 'mc':
      if (a.op === 'info') return { kind: 'mc', mc: await supported(c, 'mcInfo', 'mc info')() };
      return { kind: 'mc-reset', reset: a.reset, answered: (await supported(c, 'mcReset', `mc reset ${a.reset}`)(a.reset)).answered };
    case 'lan': return { kind: 'lan', lan: await supported(c, 'lanConfig', 'lan print')(a.channel) };
    case 'chassis': return { kind: 'chassis', status: await c.chassisStatus() };
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
    case 'sel': {
      const last = v.entries.at(-1);
      return `${v.entries.length} SEL entries${last === undefined ? '' : `; last: ${selLine(last)}`}`;
    }
    case 'sel-info': return `${v.info.entries} SEL entries${v.info.freeBytes === undefined ? '' : `, ${v.info.freeBytes} bytes free`}${v.info.overflow === true ? ', overflow' : ''}`;
    case 'sel-clear': return 'SEL cleared';
    case 'fru': return [v.fru.productManufacturer ?? v.fru.boardManufacturer, v.fru.productName ?? v.fru.boardProduct, v.fru.productSerial ?? v.fru.boardSerial].filter((x) => x !== undefined).join(' ') || 'FRU 0 empty';
    case 'mc': return `${v.mc.manufacturer ?? v.mc.model ?? 'BMC'} firmware ${v.mc.firmwareRevision ?? NOT_REPORTED}${v.mc.ipmiVersion === undefined ? '' : `, IPMI ${v.mc.ipmiVersion}`}`;
    case 'mc-reset': return `${v.reset} reset of the BMC sent${v.answered ? '' : ' (no answer: it may have reset before answering)'}; its sessions are gone, expect it back within a minute or two`;
    case 'lan': return `channel ${v.lan.channel}${v.lan.interface === undefined ? '' : ` (${v.lan.interface})`}: ${v.lan.ipAddress ?? '?'}/${v.lan.subnetMask ?? '?'} (${v.lan.ipSource ?? 'source unknown'}), MAC ${v.lan.macAddress ?? '?'}${v.lan.vlanId === undefined ? '' : `, VLAN ${v.lan.vlanId}`}`;
    case 'chassis': return `power ${v.status.power}${v.status.faults.length > 0 ? ` (${v.status.faults.join(', ')})` : ''}, restore policy ${v.status.restorePolicy}`;
  }
}

/**
 * One SEL record as ipmitool's `sel list` lays it out: ID | date | time | sensor | event |
 * direction (times in UTC; a record stamped before the BMC's clock was set shows its seconds
 * since the BMC started, as "Pre-Init").
 */
export function selLine(e: SelEntry): string {
  const when = e.time !== undefined ? ` ${e.time.slice(5, 7)}/${e.time.slice(8, 10)}/${e.time.slice(0, 4)} | ${e.time.slice(11, 19)} `
    : e.sinceInit !== undefined ? `  Pre-Init  |${String(e.sinceInit).padStart(10, '0')}` : '  Unknown   |  Unknown ';
  return `${e.id.toString(16).padStart(4)} |${when}| ${e.sensor} | ${e.event} | ${e.direction === 'asserted' ? 'Asserted' : 'Deasserted'}`;
}

/** What a field the driver looked for and the BMC left empty shows (Redfish; see Reporting). */
export const NOT_REPORTED = 'not reported by this BMC';

type Row = [label: string, value: string | number | boolean | undefined, key?: string];

/** "label : value" lines for the fields that are there, and for those the BMC did not report. */
function fieldBlock(rows: Row[], notReported: readonly string[] = []): string {
  const shown = rows
    .map(([k, v, key]): Row => [k, v === undefined && key !== undefined && notReported.includes(key) ? NOT_REPORTED : v])
    .filter((r): r is [string, string | number | boolean] => r[1] !== undefined);
  const w = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, val]) => `${k.padEnd(w)} : ${typeof val === 'boolean' ? (val ? 'yes' : 'no') : val}`).join('\n');
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
    case 'sel': return v.entries.length === 0 ? 'SEL has no entries' : v.entries.map(selLine).join('\n');
    case 'sel-info': {
      const i = v.info;
      const gap = (key: string): string => (i.notReported?.includes(key) === true ? NOT_REPORTED : 'not available');
      return fieldBlock([['entries', i.entries], ['free space', i.freeBytes === undefined ? undefined : `${i.freeBytes} bytes`], ['max records', i.maxRecords, 'maxRecords'],
        ['overwrite policy', i.overwritePolicy, 'overwritePolicy'], ['last add', i.lastAdd ?? gap('lastAdd')], ['last erase', i.lastErase ?? gap('lastErase')], ['overflow', i.overflow, 'overflow']], i.notReported);
    }
    case 'fru': {
      const f = v.fru;
      return fieldBlock([
        ['chassis type', f.chassisType, 'chassisType'], ['chassis part number', f.chassisPartNumber, 'chassisPartNumber'], ['chassis serial', f.chassisSerial, 'chassisSerial'],
        ['board mfg date', f.boardMfgDate], ['board mfg', f.boardManufacturer], ['board product', f.boardProduct], ['board serial', f.boardSerial], ['board part number', f.boardPartNumber],
        ['product manufacturer', f.productManufacturer, 'productManufacturer'], ['product name', f.productName, 'productName'], ['product part number', f.productPartNumber, 'productPartNumber'],
        ['product version', f.productVersion], ['product serial', f.productSerial, 'productSerial'], ['product asset tag', f.productAssetTag, 'productAssetTag'],
        ['product SKU', f.productSku, 'productSku'], ['BIOS version', f.biosVersion, 'biosVersion'], ['memory', f.memoryGiB === undefined ? undefined : `${f.memoryGiB} GiB`, 'memoryGiB'],
        ['processors', f.processorCount, 'processorCount'], ['processor model', f.processorModel, 'processorModel'], ['system UUID', f.systemUuid, 'systemUuid'],
      ], f.notReported) || 'FRU 0 has no chassis, board or product information';
    }
    case 'mc': {
      const m = v.mc;
      return fieldBlock([
        ['device ID', m.deviceId], ['device revision', m.deviceRevision], ['firmware revision', m.firmwareRevision, 'firmwareRevision'], ['IPMI version', m.ipmiVersion],
        ['manufacturer', m.manufacturer === undefined ? undefined : `${m.manufacturer}${m.manufacturerId === undefined ? '' : ` (${m.manufacturerId})`}`, 'manufacturer'],
        ['product ID', m.productId === undefined ? undefined : `${m.productId} (0x${m.productId.toString(16).padStart(4, '0')})`],
        ['model', m.model, 'model'], ['manager type', m.managerType, 'managerType'], ['UUID', m.uuid, 'uuid'], ['status', m.status, 'status'],
        ['available', m.available], ['supports', m.supports?.join(', ')], ['aux firmware', m.auxFirmwareRevision],
      ], m.notReported);
    }
    case 'lan': {
      const l = v.lan;
      return fieldBlock([
        ['channel', l.channel], ['interface', l.interface], ['IP address source', l.ipSource, 'ipSource'], ['IP address', l.ipAddress, 'ipAddress'], ['subnet mask', l.subnetMask, 'subnetMask'],
        ['MAC address', l.macAddress, 'macAddress'], ['default gateway', l.defaultGateway, 'defaultGateway'], ['default gateway MAC', l.defaultGatewayMac],
        ['802.1q VLAN', l.vlanId ?? (l.notReported?.includes('vlanId') === true ? undefined : 'disabled'), 'vlanId'], ['VLAN priority', l.vlanPriority],
        ['RMCP+ cipher suites', l.cipherSuites?.join(',')],
      ], l.notReported);
    }
    case 'chassis': {
      const s = v.status;
      const fault = (name: string): boolean => s.faults.includes(name);
      return fieldBlock([
        ['system power', `${s.power}${s.transition === undefined ? '' : ` (${s.transition.replace('-', ' ')})`}`], ['power overload', fault('power overload')], ['power interlock', fault('power interlock')],
        ['main power fault', fault('main power fault')], ['power control fault', fault('power control fault')], ['power restore policy', s.restorePolicy],
        ['last power event', s.lastPowerEvent === '' ? 'none' : s.lastPowerEvent], ['chassis intrusion', s.intrusion], ['front panel lockout', s.frontPanelLockout],
        ['drive fault', s.driveFault], ['cooling/fan fault', s.coolingFault], ['identify', s.identify],
      ]);
    }
    default: return summarize(v);
  }
}
