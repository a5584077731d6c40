/**
 * `/assets/…`: kernels, initrds and images, streamed from disk without buffering the file, with
 * HEAD, Range, If-Modified-Since (http-range.ts).
 *
 * Each download reads into a 1 MiB buffer taken from a small pool and waits until the socket has
 * taken a chunk before reading the next into the same buffer. A read stream allocates a fresh
 * buffer per read instead, which costs more than the copy itself at disk-cache speed: reusing
 * buffers took 8 concurrent downloads from about 1.1 to about 1.9 GB/s here (bench/README.md).
 * There are POOL_MAX such buffers in all; a download beyond them reads in 64 KiB, so clients
 * that start downloads and never read them hold at most that much each (until the idle timeout).
 *
 * Path rules (docs/boot-service.md): `..` segments, NUL and backslashes → 400 (Go's FileServer
 * answers `..` with 400 too); dot files (partial downloads) → 404; directories → 404 (no
 * listings); symbolic links are followed only while they stay inside the assets folder.
 */
import { open, realpath, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { decideRange } from '../http-range.js';
import type { Reply } from './reply.js';

const TYPES: Record<string, string> = {
  '.ipxe': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.asc': 'text/plain; charset=utf-8',
  '.json': 'application/json', '.ign': 'application/json', '.sig': 'application/pgp-signature',
  '.gz': 'application/gzip', '.xz': 'application/x-xz', '.bz2': 'application/x-bzip2', '.zst': 'application/zstd',
  '.iso': 'application/x-iso9660-image', '.tar': 'application/x-tar', '.html': 'text/html; charset=utf-8',
};

export function assetContentType(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 ? TYPES[name.slice(dot).toLowerCase()] : undefined) ?? 'application/octet-stream';
}

export type AssetPath = { ok: true; segments: string[] } | { ok: false; status: 400 | 404; reason: string };

/** Check the raw (percent-encoded) path below /assets/. Pure. */
export function parseAssetPath(raw: string): AssetPath {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { ok: false, status: 400, reason: 'invalid percent-encoding in path' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400, reason: 'invalid character in path' };
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, status: 400, reason: 'invalid URL path' };
  if (segments.length === 0) return { ok: false, status: 404, reason: 'no directory listings' };
  if (segments.some((s) => s.startsWith('.'))) return { ok: false, status: 404, reason: 'hidden file' };
  return { ok: true, segments };
}

export interface AssetsOptions {
  /** Absolute; undefined disables /assets/ (matchbox's `-assets-path ""`). */
  dir: string | undefined;
}

/** Serve one asset request; returns the number of body bytes sent. */
export async function serveAsset(req: IncomingMessage, res: ServerResponse, rawPath: string, o: AssetsOptions, reply: Reply): Promise<number> {
  if (o.dir === undefined) return reply.notFound(res);
  const p = parseAssetPath(rawPath);
  if (!p.ok) return p.status === 404 ? reply.notFound(res) : reply.text(res, 400, `400 bad request: ${p.reason}\n`);
  let file: string;
  try {
    const root = await realpath(o.dir);
    file = await realpath(join(root, ...p.segments));
    if (!file.startsWith(root + sep)) return reply.notFound(res);
  } catch {
    return reply.notFound(res); // ENOENT, ENOTDIR, ELOOP: there is no such asset
  }
  const fh = await open(file, 'r').catch(() => undefined);
  if (fh === undefined) return reply.notFound(res);
  try {
    const st = await fh.stat();
    if (!st.isFile()) return reply.notFound(res);
    const h = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const d = decideRange({
      method: req.method ?? 'GET', ifModifiedSince: h('if-modified-since'), ifUnmodifiedSince: h('if-unmodified-since'),
      ifNoneMatch: h('if-none-match'), ifRange: h('if-range'), range: h('range'),
    }, st.size, st.mtimeMs);
    const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString();
    if (d.status === 304 || d.status === 412) {
      res.writeHead(d.status, { 'Last-Modified': lastModified });
      res.end();
      return 0;
    }
    if (d.status === 416) return reply.text(res, 416, '416 range not satisfiable\n', ['Content-Range', `bytes */${st.size}`]);
    const length = d.end - d.start + 1;
    const headers: Record<string, string | number> = {
      'Content-Type': assetContentType(p.segments[p.segments.length - 1] ?? ''), 'Content-Length': length,
      'Last-Modified': lastModified, 'Accept-Ranges': 'bytes',
    };
    if (d.status === 206) headers['Content-Range'] = `bytes ${d.start}-${d.end}/${st.size}`;
    res.writeHead(d.status, headers);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return 0;
    }
    return await sendRange(fh, res, d.start, d.end);
  } finally {
    await fh.close();
  }
}

const CHUNK = 1024 * 1024;
/** Downloads beyond POOL_MAX at once: what each holds, about what one socket write takes. */
const SMALL_CHUNK = 32 * 1024;
/** 1 MiB buffers at most, in use or free. */
const POOL_MAX = 8;
const pool: Buffer[] = [];
let lent = 0;

function borrow(): Buffer {
  const free = pool.pop();
  if (free !== undefined) {
    lent++;
    return free;
  }
  if (lent + pool.length < POOL_MAX) {
    lent++;
    return Buffer.allocUnsafeSlow(CHUNK);
  }
  return Buffer.allocUnsafe(SMALL_CHUNK);
}

function giveBack(buf: Buffer): void {
  if (buf.length !== CHUNK) return;
  lent--;
  pool.push(buf);
}

/**
 * Write bytes start..end (inclusive) of `fh` to `res` and end it. Returns the bytes the socket
 * took; short when the client went away or the file shrank (then the connection is cut, so the
 * client sees a short body rather than a wrong one).
 */
async function sendRange(fh: FileHandle, res: ServerResponse, start: number, end: number): Promise<number> {
  const buf = borrow();
  let pos = start;
  try {
    while (pos <= end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos + 1), pos);
      if (bytesRead === 0) break;
      // The buffer is reused for the next read, so wait until the socket has taken this chunk.
      if (!(await written(res, bytesRead === buf.length ? buf : buf.subarray(0, bytesRead)))) break;
      pos += bytesRead;
    }
  } catch {
    // The disk failed mid-file; the event records the short count.
  } finally {
    giveBack(buf);
  }
  if (pos > end) res.end();
  else res.destroy();
  return pos - start;
}

/** Resolves true once `chunk` is handed to the kernel, false if the response is gone first. */
function written(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = () => resolve(false);
    res.once('close', onClose);
    res.write(chunk, (err) => {
      res.off('close', onClose);
      resolve(err === null || err === undefined);
    });
  });
}
