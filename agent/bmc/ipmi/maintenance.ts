/**
 * ipmitool's maintenance reads over racker's own session: the SEL (list, info, clear), the FRU
 * inventory, the controller's device ID and the LAN configuration. Each runs inside one operation
 * of the client (lanplus-client.ts), which owns the session, pacing and retries; these functions
 * only say which commands to send and how to read their answers.
 */
import type { FruInfo, LanConfig, McInfo, SelEntry, SelInfo } from '../bmc-client.js';
import { bmcFailure, bmcUnsupportedError, type BmcWhere } from '../errors.js';
import { describeCompletionCode, isUnsupportedCode, type IpmiRequest, type IpmiResponse } from './message.js';
import * as cmd from './commands.js';
import * as sel from './sel.js';
import { decodeFru, decodeFruAreaInfo, decodeFruData, getFruAreaInfo, readFruData } from './fru.js';
import { decodeDeviceId } from './device.js';
import { decodeLanConfig, getLanParameter, LanParameter } from './lan-config.js';
import { waitUntil } from '../../lib/backoff.js';

/** Sends one command and returns its data, throwing on a non-zero completion code. */
export type Run = (request: IpmiRequest, step: string) => Promise<Buffer>;
/** Sends one command and returns the whole response. */
export type Send = (request: IpmiRequest, step: string) => Promise<IpmiResponse>;

/** One operation's way to the BMC, and the BMC for messages. */
export interface Commands {
  run: Run;
  send: Send;
  where: BmcWhere;
}

/** The error for a non-zero completion code: "not supported" for the codes that mean so. */
export function completionError(where: BmcWhere, step: string, cc: number): Error {
  if (isUnsupportedCode(cc)) return bmcUnsupportedError(where, step, describeCompletionCode(cc));
  return bmcFailure(where, step, describeCompletionCode(cc), cc === 0xd4 ? 'give the BMC user administrator privilege' : undefined);
}

export async function readSelInfo({ run, where }: Commands): Promise<SelInfo> {
  const info = sel.decodeSelInfo(await run(sel.getSelInfo(), 'get SEL info'));
  if (info === undefined) throw bmcFailure(where, 'get SEL info', 'short response');
  return info;
}

export async function readSel({ send, where }: Commands): Promise<SelEntry[]> {
  const out: SelEntry[] = [];
  // The record IDs chain from 0 to FFFFh; a BMC that loops is stopped by the SEL's size.
  for (let id = 0, n = 0; id !== sel.LAST_RECORD && n < 0x10000; n++) {
    const step = `get SEL entry 0x${id.toString(16)}`;
    const r = await send(sel.getSelEntry(id), step);
    if (r.completionCode === 0xcb && id === 0) break; // "not present": an empty SEL
    if (r.completionCode !== 0) throw completionError(where, step, r.completionCode);
    const entry = sel.decodeSelEntryResponse(r.data);
    if (entry === undefined) throw bmcFailure(where, step, 'short response');
    const decoded = sel.decodeSelRecord(entry.record);
    if (decoded !== undefined) out.push(decoded);
    id = entry.next;
  }
  return out;
}

export async function clearSelLog({ run, where }: Commands): Promise<void> {
  const reservation = (await run(sel.reserveSel(), 'reserve SEL')).readUInt16LE(0);
  // Erasure progress: 1 completed, 0 in progress (asked again at once, as ipmitool does, 50 times at most).
  const done = (progress: Buffer): true | undefined => (((progress[0] ?? 1) & 0x0f) === 0 ? undefined : true);
  const completed = done(await run(sel.clearSel(reservation, true), 'clear SEL'))
    ?? await waitUntil(async () => done(await run(sel.clearSel(reservation, false), 'clear SEL (erasure status)')), { intervalMs: 0, attempts: 50 });
  if (completed === undefined) throw bmcFailure(where, 'clear SEL', 'the erase did not complete', 'ask again with racker ipmi NODE sel info');
}

export async function readFru({ run, send, where }: Commands): Promise<FruInfo> {
  const info = decodeFruAreaInfo(await run(getFruAreaInfo(0), 'get FRU inventory area info'));
  if (info === undefined) throw bmcFailure(where, 'get FRU inventory area info', 'short response');
  const unit = info.words ? 2 : 1;
  const bytes: Buffer[] = [];
  let chunk = 32;
  for (let at = 0; at < info.size;) {
    const count = Math.min(chunk, info.size - at);
    const r = await send(readFruData(0, at / unit, count / unit), `read FRU data at ${at}`);
    // Too much for the BMC's buffer: ask for less, as ipmitool does.
    if ([0xc7, 0xc8, 0xca].includes(r.completionCode) && chunk > 8) {
      chunk /= 2;
      continue;
    }
    if (r.completionCode !== 0) throw completionError(where, `read FRU data at ${at}`, r.completionCode);
    const data = decodeFruData(r.data);
    if (data === undefined || data.length === 0) throw bmcFailure(where, `read FRU data at ${at}`, 'short response');
    bytes.push(data);
    at += data.length;
  }
  const fru = decodeFru(Buffer.concat(bytes));
  if (fru === undefined) throw bmcFailure(where, 'decode FRU 0', 'no valid FRU common header (format version 1, checksum)', 'racker ipmi NODE raw 0x0a 0x11 0 0 0 8 shows the first bytes');
  return fru;
}

export async function readMcInfo({ run, where }: Commands): Promise<McInfo> {
  const info = decodeDeviceId(await run(cmd.getDeviceId(), 'get device ID'));
  if (info === undefined) throw bmcFailure(where, 'get device ID', 'short response');
  return info;
}

export async function readLanConfig({ send, where }: Commands, channel: number): Promise<LanConfig> {
  const found = new Map<number, Buffer>();
  for (const p of Object.values(LanParameter)) {
    const step = `get LAN configuration parameter ${p} of channel ${channel}`;
    const r = await send(getLanParameter(channel, p), step);
    if (r.completionCode === 0x80) continue; // parameter not supported
    if (r.completionCode !== 0) throw completionError(where, step, r.completionCode);
    found.set(p, r.data.subarray(1)); // without the parameter revision
  }
  return decodeLanConfig(channel, found);
}
