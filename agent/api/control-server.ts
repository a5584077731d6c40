/**
 * The control API: HTTP/1.1 + JSON on two unix sockets in the run directory, never on TCP.
 *
 * - `status.sock` (read): GET only (health, nodes, events, discovery, jobs). Mode 0600 (root only),
 *   or 0660 owned by agent.socketGroup so that group's members can run `racker status` without sudo.
 * - `agent.sock` (control): every route, including jobs, answers, cancel and reload. Mode 0600
 *   (root only), or 0660 owned by agent.controlGroup when that is set.
 *
 * Who may connect is decided by the kernel: connecting to a unix socket needs write permission on
 * its file, so the socket's mode and group are the access check. Node cannot read a peer's
 * credentials (SO_PEERCRED), and this needs none; the read socket refuses anything but GET on top.
 * Each socket is created with its mode (umask around bind), so it is never briefly open to others.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { chmod, chown, mkdir, unlink } from 'node:fs/promises';
import { ErrorCodes, RackerError, isENOENT, isSystemError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Service } from '../lib/service.js';
import { VERSION_HEADER, badRequest, errorResponse, sendJson } from './http-util.js';
import { ROUTES, type ControlBackend } from './routes.js';

export { SOCKET_NAME, READ_SOCKET_NAME, controlSocketPath, readSocketPath } from './socket-path.js';
import { controlSocketPath, readSocketPath } from './socket-path.js';

export interface ControlServerOptions {
  runDir: string;
  /** Group allowed on the read socket (status, events); undefined: root only. */
  socketGroup?: string;
  /** Group allowed on the control socket (jobs, answers, reload); undefined: root only. */
  controlGroup?: string;
  /** Resolves a group name to its gid (injected for tests; default reads /etc/group). */
  lookupGroup?: (name: string) => Promise<number | undefined>;
}

type Access = 'read' | 'control';

export class ControlServer implements Service {
  readonly name = 'control-api';
  private servers: { server: Server; path: string }[] = [];
  private readonly closers = new Set<() => void>();

  constructor(private readonly backend: ControlBackend, private readonly o: ControlServerOptions, private readonly log: Logger) {}

  /** The control socket (every route). */
  get socketPath(): string {
    return controlSocketPath(this.o.runDir);
  }

  /** The read socket (GET routes only). */
  get readSocketPath(): string {
    return readSocketPath(this.o.runDir);
  }

  async start(_signal: AbortSignal): Promise<void> {
    await mkdir(this.o.runDir, { recursive: true, mode: 0o755 });
    await this.removeStaleSocket(this.socketPath);
    await this.removeStaleSocket(this.readSocketPath);
    const readGid = await this.gid('socketGroup');
    const controlGid = await this.gid('controlGroup');
    try {
      await this.listen('control', this.socketPath, controlGid, this.o.controlGroup);
      await this.listen('read', this.readSocketPath, readGid, this.o.socketGroup);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private async gid(key: 'socketGroup' | 'controlGroup'): Promise<number | undefined> {
    const name = this.o[key];
    if (name === undefined) return undefined;
    const gid = await (this.o.lookupGroup ?? lookupGroupId)(name);
    if (gid === undefined) {
      throw new RackerError(ErrorCodes.config, `agent.${key} "${name}" is not a group on this machine`, { hint: `create it (groupadd ${name}) or remove agent.${key}` });
    }
    return gid;
  }

  private async listen(access: Access, path: string, gid: number | undefined, group: string | undefined): Promise<void> {
    const mode = gid === undefined ? 0o600 : 0o660;
    const server = createServer((req, res) => this.handle(req, res, access));
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    const previous = process.umask(0o777 & ~mode);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
    } finally {
      process.umask(previous);
    }
    this.servers.push({ server, path });
    if (gid !== undefined) await chown(path, process.getuid?.() ?? 0, gid);
    await chmod(path, mode);
    this.log.info({ socket: path, access, mode: mode.toString(8), group }, 'control API listening');
  }

  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    if (servers.length === 0) return;
    for (const close of this.closers) close();
    this.closers.clear();
    for (const { server, path } of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(path).catch(() => undefined); /* already gone: nothing to clean */
    }
  }

  async healthcheck(): Promise<boolean> {
    return this.servers.length === 2 && this.servers.every((s) => s.server.listening);
  }

  /**
   * The one error boundary: whatever a request holds (a request line `new URL` cannot parse, bad
   * JSON, a body too large, a handler's bug), it becomes an error response on that request and
   * never an exception that reaches the event loop and ends the agent.
   */
  private handle(req: IncomingMessage, res: ServerResponse, access: Access): void {
    let closeAll = (): void => undefined;
    const run = async (): Promise<void> => {
      // Tells the client which racker wrote the answer: one of another version is checked field by field (client.ts).
      res.setHeader(VERSION_HEADER, this.backend.info().version);
      const url = requestUrl(req.url);
      const matching = ROUTES.filter((r) => r.path.test(url.pathname));
      const route = matching.find((r) => r.method === req.method);
      const cleanups: (() => void)[] = [];
      closeAll = (): void => {
        for (const c of cleanups.splice(0)) {
          c();
          this.closers.delete(c);
        }
      };
      res.on('close', closeAll);
      if (route === undefined) {
        if (matching.length > 0) {
          res.setHeader('allow', matching.map((r) => r.method).join(', '));
          sendJson(res, 405, { code: ErrorCodes.badRequest, message: `${req.method} is not allowed on ${url.pathname}`, hint: `use ${matching.map((r) => r.method).join(' or ')}` });
        } else {
          sendJson(res, 404, { code: ErrorCodes.notFound, message: `no such endpoint: ${url.pathname}`, hint: 'see docs/api.md' });
        }
        return;
      }
      if (access === 'read' && route.method !== 'GET') {
        throw new RackerError(ErrorCodes.forbidden, `${req.method} ${url.pathname} is not allowed on the read socket ${this.readSocketPath}`,
          { hint: `jobs, answers, cancel and reload go to the control socket ${this.socketPath} (root, or the group agent.controlGroup)` });
      }
      const m = route.path.exec(url.pathname);
      await route.handle({
        req, res, params: (m?.slice(1) ?? []), query: url.searchParams, backend: this.backend,
        onClose: (c) => {
          const wrapped = (): void => { c(); res.end(); };
          cleanups.push(wrapped);
          this.closers.add(wrapped);
        },
      });
    };
    const fail = (err: unknown): void => {
      try {
        const { status, body } = errorResponse(err);
        if (status >= 500) this.log.error({ err, method: req.method, url: req.url }, 'control API request failed');
        // A body the agent stopped reading (too large) must not be parsed as the next request.
        if (status === 413) res.shouldKeepAlive = false;
        if (res.headersSent) res.end();
        else sendJson(res, status, body);
      } catch (e) {
        this.log.error({ err: e }, 'control API could not answer a failed request');
        closeAll();
        res.destroy();
      }
    };
    try {
      run().catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  /** A socket file left by an agent that died is removed (one that answers is refused first). */
  private async removeStaleSocket(path: string): Promise<void> {
    await assertNoRunningAgent(path);
    try {
      await unlink(path);
      this.log.info({ socket: path }, 'removed a stale control socket left by an agent that did not stop cleanly');
    } catch (e) {
      if (!isENOENT(e)) throw isSystemError(e) ? new RackerError(ErrorCodes.io, `cannot remove the stale socket ${path}: ${e.message}`, { cause: e }) : e;
    }
  }
}

/**
 * Throws when an agent answers on the control socket. The agent checks this before touching its
 * state, because a second agent would share the state files with the first.
 */
export async function assertNoRunningAgent(socketPath: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(socketPath);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  if (alive) {
    throw new RackerError(ErrorCodes.conflict, `another racker agent is already running: it answers on ${socketPath}`, { hint: 'stop it first (systemctl stop racker-agent), or give this one other paths.runDir and paths.stateDir' });
  }
}

/** The request target as a URL on this agent; anything `new URL` refuses is a bad request. */
function requestUrl(target: string | undefined): URL {
  const text = target ?? '/';
  if (!text.startsWith('/')) throw badRequest('the request target must be a path such as /v1/health', 'see docs/api.md');
  try {
    return new URL(text, 'http://agent');
  } catch {
    throw badRequest('the request target is not a valid path', 'see docs/api.md');
  }
}

/** The gid of a group, from /etc/group (what getgrnam would read on a management node). */
export async function lookupGroupId(name: string, groupFile = '/etc/group'): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(groupFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}
