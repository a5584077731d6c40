/**
 * `/assets/…`: kernels, initrds and images, streamed from disk without buffering (1 MiB reads,
 * back-pressure through pipeline), with HEAD, Range, If-Modified-Since (http-range.ts).
 *
 * Path rules (docs/boot-service.md): `..` segments, NUL and backslashes → 400 (Go's FileServer
 * answers `..` with 400 too); dot files (partial downloads) → 404; directories → 404 (no
 * listings); symbolic links are followed only while they stay inside the assets folder.
 */
import { open, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
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
  highWaterMark?: number;
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
  let handedOver = false;
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
    const stream = fh.createReadStream({ start: d.start, end: d.end, highWaterMark: o.highWaterMark ?? 1024 * 1024, autoClose: true });
    handedOver = true;
    try {
      await pipeline(stream, res);
    } catch {
      // The client went away or the disk failed mid-file; the event records the short count.
    }
    return stream.bytesRead;
  } finally {
    if (!handedOver) await fh.close();
  }
}
