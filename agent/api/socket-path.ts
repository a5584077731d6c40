/** Where the control socket is. Its own module so that clients do not load the server to find it. */
import { join } from 'node:path';

export const SOCKET_NAME = 'agent.sock';

export function controlSocketPath(runDir: string): string {
  return join(runDir, SOCKET_NAME);
}
