/** Where the control and read sockets are. Their own module so that clients do not load the server to find them. */
import { join } from 'node:path';

export const SOCKET_NAME = 'agent.sock';

export function controlSocketPath(runDir: string): string {
  return join(runDir, SOCKET_NAME);
}

/** GET routes only (status, events): the socket agent.socketGroup may use. */
export const READ_SOCKET_NAME = 'status.sock';

export function readSocketPath(runDir: string): string {
  return join(runDir, READ_SOCKET_NAME);
}
