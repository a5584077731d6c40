/**
 * One UDP socket for every BMC racker talks to (FreeIPMI's ipmipower does the same): datagrams are
 * routed to the session registered for their source address and port. Hundreds of BMCs cost one
 * file descriptor and no threads.
 *
 * INVARIANTS: a datagram goes to the receivers of its endpoint in registration order until one
 * takes it (several sessions to one BMC, e.g. two users, each take only their own answers); the
 * socket is unref'd, so only pending request timers keep the process alive, and close() ends it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { Logger } from '../../lib/log.js';

export interface Endpoint {
  address: string;
  port: number;
}

/** Returns true when the datagram was the receiver's (an answer it waited for). */
export type DatagramReceiver = (datagram: Buffer) => boolean;

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
  private readonly receivers = new Map<string, Set<DatagramReceiver>>();

  /** @param bindAddress local address to send from (default: any). */
  constructor(private readonly log: Logger, private readonly bindAddress?: string) {}

  /** Route datagrams from `endpoint` to `receiver` until the returned function is called. */
  register(endpoint: Endpoint, receiver: DatagramReceiver): () => void {
    const key = endpointKey(endpoint);
    const set = this.receivers.get(key) ?? new Set<DatagramReceiver>();
    set.add(receiver);
    this.receivers.set(key, set);
    return () => {
      set.delete(receiver);
      if (set.size === 0 && this.receivers.get(key) === set) this.receivers.delete(key);
    };
  }

  send(endpoint: Endpoint, datagram: Uint8Array): Promise<void> {
    // Once the socket is open (every send but the first), no await in front of the send: a status
    // poll of a rack makes hundreds of them.
    const socket = this.socket;
    if (socket === undefined) return this.open().then(() => this.send(endpoint, datagram));
    return new Promise<void>((resolve, reject) => {
      socket.send(datagram, endpoint.port, endpoint.address, (err) => (err === null ? resolve() : reject(err)));
    });
  }

  private async open(): Promise<Socket> {
    if (this.socket !== undefined) return this.socket;
    this.opening ??= new Promise<Socket>((resolve, reject) => {
      const socket = createSocket({ type: 'udp4' });
      socket.once('error', reject);
      socket.on('message', (msg, rinfo) => {
        const set = this.receivers.get(`${rinfo.address}:${rinfo.port}`);
        for (const receiver of set ?? []) if (receiver(msg)) return;
        this.log.trace({ from: `${rinfo.address}:${rinfo.port}` }, 'datagram nobody waited for dropped (late answer or another session)');
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
