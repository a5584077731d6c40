/**
 * The IPMI LAN message inside a session payload (IPMI v2.0 §13.8): responder and requester
 * addresses, NetFn/LUN, two 2's-complement checksums, the 6-bit request sequence that pairs a
 * response with its request, command, data. Pure encode/decode.
 */

export const BMC_SLAVE_ADDRESS = 0x20;
/** Software ID of a remote console (IPMI v2.0 §5.5). */
export const REMOTE_CONSOLE_SWID = 0x81;

export const NetFn = { chassis: 0x00, sensor: 0x04, app: 0x06, storage: 0x0a, transport: 0x0c } as const;

export interface IpmiRequest {
  netFn: number;
  command: number;
  data: Uint8Array;
}

export interface IpmiResponse {
  netFn: number;
  command: number;
  /** 6-bit request sequence echoed by the BMC. */
  rqSeq: number;
  completionCode: number;
  data: Buffer;
}

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

export function encodeRequest(r: IpmiRequest, rqSeq: number): Buffer {
  const head = Buffer.from([BMC_SLAVE_ADDRESS, (r.netFn << 2) & 0xfc]);
  const tail = Buffer.concat([Buffer.from([REMOTE_CONSOLE_SWID, (rqSeq << 2) & 0xfc, r.command]), r.data]);
  return Buffer.concat([head, Buffer.from([checksum(head)]), tail, Buffer.from([checksum(tail)])]);
}

/** Decode a response message; undefined when it is too short or a checksum is wrong. */
export function decodeResponse(message: Uint8Array): IpmiResponse | undefined {
  if (message.length < 8) return undefined;
  const m = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (checksum(m.subarray(0, 2)) !== m[2]) return undefined;
  if (checksum(m.subarray(3, m.length - 1)) !== m[m.length - 1]) return undefined;
  return {
    netFn: (m[1] as number) >> 2,
    rqSeq: (m[4] as number) >> 2,
    command: m[5] as number,
    completionCode: m[6] as number,
    data: Buffer.from(m.subarray(7, m.length - 1)),
  };
}

/** Completion codes in words (IPMI v2.0 §5.2, table 5-2). */
const COMPLETION_CODES: Record<number, string> = {
  0xc0: 'node busy',
  0xc1: 'invalid command',
  0xc2: 'command invalid for the given LUN',
  0xc3: 'timeout while processing the command',
  0xc4: 'out of space',
  0xc5: 'reservation cancelled or invalid',
  0xc6: 'request data truncated',
  0xc7: 'request data length invalid',
  0xc8: 'request data field length limit exceeded',
  0xc9: 'parameter out of range',
  0xca: 'cannot return the number of requested data bytes',
  0xcb: 'requested sensor, data or record not present',
  0xcc: 'invalid data field in request',
  0xcd: 'command illegal for the sensor or record type',
  0xce: 'response could not be provided',
  0xcf: 'duplicated request',
  0xd0: 'SDR repository in update mode',
  0xd1: 'device in firmware update mode',
  0xd2: 'BMC initialisation in progress',
  0xd3: 'destination unavailable',
  0xd4: 'insufficient privilege level',
  0xd5: 'not supported in the present state',
  0xd6: 'parameter is illegal because a sub-function is disabled or unavailable',
  0xff: 'unspecified error',
};

export function describeCompletionCode(cc: number): string {
  const hex = `0x${cc.toString(16).padStart(2, '0')}`;
  return `completion code ${hex} (${COMPLETION_CODES[cc] ?? (cc >= 0x80 && cc <= 0xbe ? 'command-specific error' : 'unknown')})`;
}

/** Completion codes that mean "this BMC does not do that". */
export function isUnsupportedCode(cc: number): boolean {
  return cc === 0xc1 || cc === 0xc2 || cc === 0x80 || cc === 0xd5 || cc === 0xd6;
}
