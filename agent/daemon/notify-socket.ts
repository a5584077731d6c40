/**
 * Sending one datagram to a unix socket, the transport of systemd's notify protocol. Node.js cannot
 * do this itself (see native/notify-socket.c for why, and why not the unix-dgram package); the
 * addon is built by `npm run build` (scripts/build-native.cjs) into dist/native/.
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { ErrorCodes, RackerError, errorMessage } from '../lib/errors.js';

/** Sends `payload` to the unix datagram socket at `address`; throws a RackerError on failure. */
export type DatagramSender = (address: Buffer, payload: Buffer) => void;

interface Addon {
  send(address: Buffer, payload: Buffer): number;
}

let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon === undefined) {
    const require = createRequire(import.meta.url);
    try {
      // dist/agent/daemon/notify-socket.js → dist/native/notify-socket.node
      addon = require('../../native/notify-socket.node') as Addon;
    } catch (e) {
      throw new RackerError(ErrorCodes.io, `the systemd notify sender is not built (${errorMessage(e)})`,
        { hint: 'run `npm run build` (needs gcc and the Node.js headers), or unset NOTIFY_SOCKET', cause: e });
    }
  }
  return addon;
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The real sender. The socket is non-blocking: a full receiver queue is an EAGAIN error, not a hang. */
export const sendDatagram: DatagramSender = (address, payload) => {
  const err = loadAddon().send(address, payload);
  if (err !== 0) {
    const name = errnoNames.get(err) ?? `errno ${err}`;
    const e = new RackerError(ErrorCodes.io, `cannot send to the notify socket: ${name}`);
    (e as RackerError & { errno?: string }).errno = name;
    throw e;
  }
};

/**
 * The raw socket address for a NOTIFY_SOCKET value: an absolute path, or `@name` for the abstract
 * namespace (a leading NUL byte, as sd_notify(3) specifies). Undefined for anything else (systemd
 * also knows `vsock:`, which a management node never uses).
 */
export function notifySocketAddress(value: string): Buffer | undefined {
  if (value.startsWith('@') && value.length > 1) return Buffer.concat([Buffer.from([0]), Buffer.from(value.slice(1))]);
  if (value.startsWith('/')) return Buffer.from(value);
  return undefined;
}
