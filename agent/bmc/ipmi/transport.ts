/**
 * One UDP socket for every BMC racker talks to (FreeIPMI's ipmipower does the same): datagrams are
 * routed to the session registered for their source address and port. Hundreds of BMCs cost one
 * file descriptor and no threads.
 *
 * INVARIANTS: at most one receiver per endpoint (a client owns its BMC's endpoint); the socket is
 * unref'd, so only pending request timers keep the process alive, and close() ends it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { Logger } from '../../lib/log.js';

export interface Endpoint {
  address: string;
  port: number;
}

export type DatagramReceiver = (datagram: Buffer) => void;

/** What a session needs from the transport (a fake in unit tests drops or answers datagrams). */
export interface DatagramTransport {
  register(endpoint: Endpoint, receiver: DatagramReceiver): () => void;
  send(endpoint: Endpoint, datagram: Uint8Array): Promise<void>;
}

export const endpointKey = (e: Endpoint): string => `${e.address}:${e.port}`;

/** Resolve a host name once (BMC addresses are normally IPv4 literals already). */
export async function resolveEndpoint(e: Endpoint): Promise<Endpoint> {
  if (isIPv4(e.address)) return e;
  const { address } = await lookup(e.address, { family: 4 });
  return { address, port: e.port };
}

export class UdpTransport implements DatagramTransport {
  private socket: Socket | undefined;
  private opening: Promise<Socket> | undefined;
  private readonly receivers = new Map<string, DatagramReceiver>();

  /** @param bindAddress local address to send from (default: any). */
  constructor(private readonly log: Logger, private readonly bindAddress?: string) {}

  /** Route datagrams from `endpoint` to `receiver` until the returned function is called. */
  register(endpoint: Endpoint, receiver: DatagramReceiver): () => void {
    const key = endpointKey(endpoint);
    if (this.receivers.has(key)) throw new Error(`BMC endpoint ${key} already has a session on this transport`);
    this.receivers.set(key, receiver);
    return () => {
      if (this.receivers.get(key) === receiver) this.receivers.delete(key);
    };
  }

  async send(endpoint: Endpoint, datagram: Uint8Array): Promise<void> {
    const socket = await this.open();
    await new Promise<void>((resolve, reject) => {
      socket.send(datagram, endpoint.port, endpoint.address, (err) => (err === null ? resolve() : reject(err)));
    });
  }

  private async open(): Promise<Socket> {
    if (this.socket !== undefined) return this.socket;
    this.opening ??= new Promise<Socket>((resolve, reject) => {
      const socket = createSocket({ type: 'udp4' });
      socket.once('error', reject);
      socket.on('message', (msg, rinfo) => {
        const receiver = this.receivers.get(`${rinfo.address}:${rinfo.port}`);
        if (receiver === undefined) {
          this.log.debug({ from: `${rinfo.address}:${rinfo.port}` }, 'datagram from an endpoint without a session dropped');
          return;
        }
        receiver(msg);
      });
      socket.bind({ address: this.bindAddress, port: 0 }, () => {
        socket.off('error', reject);
        // A send error on one BMC (ICMP unreachable) must not kill the others' socket.
        socket.on('error', (err) => this.log.warn({ err }, 'BMC UDP socket error'));
        socket.unref();
        this.socket = socket;
        resolve(socket);
      });
    });
    return this.opening;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.opening = undefined;
    this.receivers.clear();
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
