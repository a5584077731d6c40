/**
 * RMCP framing (DMTF ASF 2.0 §3.2) and the ASF presence ping, which any IPMI-over-LAN BMC answers
 * without a session: the cheapest "is it there" check. Pure encode/decode.
 */

export const RMCP_VERSION = 0x06;
/** Sequence 0xff: "no RMCP ACK wanted", which is what IPMI uses. */
export const RMCP_NO_ACK = 0xff;
export const RMCP_CLASS_ASF = 0x06;
export const RMCP_CLASS_IPMI = 0x07;

const ASF_IANA = 4542;
const ASF_PING = 0x80;
const ASF_PONG = 0x40;

export function rmcpHeader(messageClass: number): Buffer {
  return Buffer.from([RMCP_VERSION, 0x00, RMCP_NO_ACK, messageClass]);
}

/** The class of an RMCP datagram, or undefined when it is not RMCP. */
export function rmcpClass(packet: Uint8Array): number | undefined {
  if (packet.length < 4 || packet[0] !== RMCP_VERSION) return undefined;
  return (packet[3] as number) & 0x1f;
}

export function encodeAsfPing(tag: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(ASF_IANA, 0);
  body[4] = ASF_PING;
  body[5] = tag & 0xff;
  body[6] = 0x00;
  body[7] = 0x00; // no data
  return Buffer.concat([rmcpHeader(RMCP_CLASS_ASF), body]);
}

export interface AsfPong {
  tag: number;
  /** Supported entities, bit 7: IPMI. */
  ipmiSupported: boolean;
}

export function decodeAsfPong(packet: Uint8Array): AsfPong | undefined {
  if (rmcpClass(packet) !== RMCP_CLASS_ASF || packet.length < 12) return undefined;
  const b = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  if (b.readUInt32BE(4) !== ASF_IANA || b[8] !== ASF_PONG) return undefined;
  const entities = b.length >= 12 + 9 ? (b[12 + 8] as number) : 0;
  return { tag: b[9] as number, ipmiSupported: (entities & 0x80) !== 0 };
}
