/**
 * Serial over LAN (IPMI v2.0 chapters 15 and 24): Activate and Deactivate Payload for the SOL
 * payload, and the SOL packet both sides exchange inside the RMCP+ session (payload type 1):
 * packet sequence number, ack/nack sequence number, accepted character count, operation/status
 * byte, characters. Pure encode/decode.
 */
import { NetFn, type IpmiRequest } from './message.js';

export const SOL_PAYLOAD = 0x01;
const INSTANCE = 1;

/**
 * Activate Payload for SOL instance 1, with encryption and authentication (the session has both:
 * suites 3 and 17), serial alerts failing while SOL is active, and CTS/DCD asserted at once.
 */
export const activateSol = (): IpmiRequest => ({ netFn: NetFn.app, command: 0x48, data: Uint8Array.from([SOL_PAYLOAD, INSTANCE, 0xc0, 0, 0, 0]) });
export const deactivateSol = (): IpmiRequest => ({ netFn: NetFn.app, command: 0x49, data: Uint8Array.from([SOL_PAYLOAD, INSTANCE, 0, 0, 0, 0]) });

/** Activate Payload completion codes (table 24-2). */
export const ACTIVATE_ERRORS: Readonly<Record<number, string>> = {
  0x80: 'SOL is already active in another session',
  0x81: 'SOL is disabled on this BMC',
  0x82: 'the BMC allows no more SOL sessions',
  0x83: 'the BMC cannot encrypt SOL',
  0x84: 'the BMC requires SOL without encryption',
};
/** Deactivate Payload: "payload already deactivated" (none was active). */
export const ALREADY_DEACTIVATED = 0x80;

export interface SolActivation {
  /** Most characters a packet to the BMC may carry (its inbound payload size less the 4-byte header). */
  maxOutbound: number;
  /** The UDP port the BMC wants SOL on (normally the session's). */
  port: number;
}

export function decodeActivateSol(d: Buffer): SolActivation | undefined {
  if (d.length < 10) return undefined;
  return { maxOutbound: Math.max(1, Math.min(255, d.readUInt16LE(4) - 4)), port: d.readUInt16LE(8) };
}

/** Status bits of a packet from the BMC, operation bits of one to it (table 15-2, 15-3). */
export const SolBits = { nack: 0x40, transferUnavailable: 0x20, deactivating: 0x10, overrun: 0x08, breakDetected: 0x04 } as const;

export interface SolPacket {
  /** 1–15; 0 for a packet that only acknowledges. */
  seq: number;
  /** The sequence number acknowledged (or nacked); 0 for none. */
  ack: number;
  accepted: number;
  status: number;
  data: Buffer;
}

export function encodeSol(p: Omit<SolPacket, 'status'> & { status?: number }): Buffer {
  return Buffer.concat([Buffer.from([p.seq & 0x0f, p.ack & 0x0f, p.accepted & 0xff, p.status ?? 0]), p.data]);
}

export function decodeSol(b: Buffer): SolPacket | undefined {
  if (b.length < 4) return undefined;
  return { seq: (b[0] as number) & 0x0f, ack: (b[1] as number) & 0x0f, accepted: b[2] as number, status: b[3] as number, data: b.subarray(4) };
}

/** The sequence number after `n`: 1 … 15, then 1 again (0 means "no data"). */
export const nextSolSeq = (n: number): number => (n % 15) + 1;
