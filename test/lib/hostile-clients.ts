/**
 * Hostile HTTP clients on loopback, for the boot service's load tests and bench/boot-load: many
 * connections from many 127.0.1.x source addresses (Linux routes all of 127/8 to lo), none of
 * which ever reads an answer. Three kinds, in turn:
 *
 * - pipeliners send small GETs back to back (up to `pipelineBytes` each, never more than the
 *   kernel takes, so the test process itself stays small);
 * - tricklers send the same GETs eight at a time, a write every few milliseconds;
 * - downloaders ask for a large asset;
 * - loiterers send half a request head and nothing more.
 *
 * Bounded in count (`connections`) and in time (`stop()` closes whatever is left). Loopback only.
 */
import { connect, type Socket } from 'node:net';

export interface HostileOptions {
  port: number;
  connections: number;
  /** Source addresses 127.0.1.1 … 127.0.1.<addresses>, in turn. */
  addresses: number;
  /** Target of the pipelined GETs, e.g. /ignition?uuid=x. */
  pipelinePath: string;
  /** Target of the downloads, e.g. /assets/big.bin. */
  downloadPath: string;
  /** Request bytes one pipeliner sends at most. */
  pipelineBytes: number;
  /** The kinds, in turn (default 2 pipeliners, a trickler, 4 downloaders, 3 loiterers in every 10). */
  kinds?: readonly HostileKind[];
}

export type HostileKind = 'pipeline' | 'trickle' | 'download' | 'loiter';
const MIX: readonly HostileKind[] = ['pipeline', 'pipeline', 'trickle', 'download', 'download', 'download', 'download', 'loiter', 'loiter', 'loiter'];

export interface HostileRun {
  /** Resolves once every connection is open or closed and every pipeliner has sent what it can. */
  settled: Promise<void>;
  /** Connections the server has closed so far. */
  closed(): number;
  /** Close every connection that is left (by this side). */
  stop(): void;
}

export function hostileSourceAddress(i: number, addresses: number): string {
  return `127.0.1.${(i % addresses) + 1}`;
}

export function startHostileClients(o: HostileOptions): HostileRun {
  const sockets: Socket[] = [];
  let closedByServer = 0;
  let stopping = false;
  const waits: Promise<void>[] = [];
  const request = Buffer.from(`GET ${o.pipelinePath} HTTP/1.1\r\nHost: racker\r\n\r\n`, 'latin1');
  const batch = Buffer.concat(Array.from({ length: Math.max(1, Math.floor(16384 / request.length)) }, () => request));
  const few = Buffer.concat(Array.from({ length: 8 }, () => request));
  for (let i = 0; i < o.connections; i++) {
    const kinds = o.kinds ?? MIX;
    const kind = kinds[i % kinds.length] as HostileKind;
    const s = connect({ host: '127.0.0.1', port: o.port, localAddress: hostileSourceAddress(i, o.addresses) });
    s.pause(); // never read: what arrives stays in the kernel's buffers
    sockets.push(s);
    waits.push(new Promise<void>((resolve) => {
      let done = false;
      const settle = (): void => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      s.on('error', settle); // reset by the server, or refused
      s.on('close', () => {
        if (!stopping) closedByServer++;
        settle();
      });
      s.on('connect', () => {
        if (kind === 'download') {
          s.write(`GET ${o.downloadPath} HTTP/1.1\r\nHost: racker\r\n\r\n`);
          settle();
        } else if (kind === 'loiter') {
          s.write('GET /ipxe HTTP/1.1\r\nHost: rac');
          settle();
        } else if (kind === 'trickle') {
          let sent = 0;
          const next = (): void => {
            if (sent >= o.pipelineBytes || s.destroyed) return settle();
            sent += few.length;
            if (s.write(few)) setTimeout(next, 5);
            else {
              settle();
              s.once('drain', next);
            }
          };
          next();
        } else {
          let sent = 0;
          const more = (): void => {
            while (sent < o.pipelineBytes) {
              sent += batch.length;
              if (!s.write(batch)) {
                settle(); // the server stopped reading: what matters is what it holds now
                s.once('drain', more);
                return;
              }
            }
            settle();
          };
          more();
        }
      });
    }));
  }
  return {
    settled: Promise.all(waits).then(() => undefined),
    closed: () => closedByServer,
    stop: () => {
      stopping = true;
      for (const s of sockets) s.destroy();
    },
  };
}

/** Resident memory of a process and its children (a boot service's workers), in bytes, from /proc. */
export function treeRss(pid: number, readFile: (path: string) => string): number {
  let total = 0;
  const visit = (p: number): void => {
    let status: string;
    try {
      status = readFile(`/proc/${p}/status`);
    } catch {
      return; // gone
    }
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    total += m === null ? 0 : Number(m[1]) * 1024;
    let children = '';
    try {
      children = readFile(`/proc/${p}/task/${p}/children`);
    } catch {
      /* no children file: nothing below */
    }
    for (const c of children.split(/\s+/).filter((x) => x !== '')) visit(Number(c));
  };
  visit(pid);
  return total;
}
