/**
 * Resumable HTTP(S) downloads: a file is fetched into `<dest>.part`; an interrupted download
 * continues from where it stopped with a Range request (a server that ignores Range restarts it
 * from zero), and only a complete file is renamed to `<dest>`. Progress is reported as it arrives.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { ErrorCodes, RackerError, isENOENT, errorMessage } from '../agent/lib/errors.js';

export interface Progress {
  file: string;
  received: number;
  /** Undefined when the server does not say. */
  total: number | undefined;
}

export interface DownloadOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Socket inactivity timeout. */
  timeoutMs?: number;
  /** What to do when the server cannot be reached, or answers 404 (defaults: Flatcar's settings). */
  hints?: { offline?: string; notFound?: string };
}

const MAX_REDIRECTS = 5;

const MB = 1_000_000;

/**
 * A download's progress in words for people ("flatcar_production_pxe.vmlinuz 45% (21.3 of 47.2 MB)"),
 * and the step it is at, so a caller reports a line only when the step changes: whole percent when
 * the size is known, else each megabyte. onProgress fires per network chunk (64 KiB).
 */
export function describeProgress(p: Progress): { line: string; step: number } {
  const mb = (n: number): string => (n / MB).toFixed(1);
  if (p.total === undefined || p.total <= 0) return { line: `${p.file} ${mb(p.received)} MB`, step: Math.floor(p.received / MB) };
  const percent = Math.min(100, Math.floor((p.received / p.total) * 100));
  return { line: `${p.file} ${percent}% (${mb(p.received)} of ${mb(p.total)} MB)`, step: percent };
}

/** An onProgress that hands `report` one line per step of each file (see describeProgress). */
export function progressLines(report: (line: string) => void): (p: Progress) => void {
  let shown = '';
  return (p) => {
    const { line, step } = describeProgress(p);
    if (`${p.file}\0${step}` === shown) return;
    shown = `${p.file}\0${step}`;
    report(line);
  };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if (isENOENT(e)) return 0;
    throw e;
  }
}

function request(url: string, headers: Record<string, string>, o: DownloadOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers, signal: o.signal, timeout: o.timeoutMs ?? 60_000 }, resolve);
    req.on('timeout', () => req.destroy(new RackerError(ErrorCodes.assets, `no data from ${url} for ${(o.timeoutMs ?? 60_000) / 1000}s`)));
    req.on('error', reject);
  });
}

/** Download url to dest, resuming a previous partial download. Returns the number of bytes fetched now. */
export async function download(url: string, dest: string, o: DownloadOptions = {}): Promise<number> {
  const part = `${dest}.part`;
  const name = dest.split('/').pop() ?? dest;
  let target = url;
  for (let hop = 0; ; hop++) {
    const have = await sizeOf(part);
    const res = await request(target, have > 0 ? { range: `bytes=${have}-` } : {}, o).catch((e: unknown) => {
      throw new RackerError(ErrorCodes.assets, `cannot fetch ${target}: ${errorMessage(e)}`, { hint: o.hints?.offline ?? 'check the network, or set bootstrap.flatcar.localDir for an air-gapped site', cause: e });
    });
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined && hop < MAX_REDIRECTS) {
      res.resume();
      target = new URL(res.headers.location, target).toString();
      continue;
    }
    if (status === 416) {
      res.resume();
      const total = Number(/\/(\d+)$/.exec(res.headers['content-range'] ?? '')?.[1]);
      if (total === have) {
        await rename(part, dest);
        return 0;
      }
      await unlink(part); // the partial file does not belong to this resource: start over
      continue;
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw new RackerError(ErrorCodes.assets, `${target} answered HTTP ${status}`, { hint: status === 404 ? o.hints?.notFound ?? 'check bootstrap.flatcar.version and channel' : undefined });
    }
    const resumed = status === 206;
    const start = resumed ? have : 0;
    const length = Number(res.headers['content-length']);
    const total = resumed ? Number(/\/(\d+)$/.exec(res.headers['content-range'] ?? '')?.[1]) : length;
    let received = start;
    const out = createWriteStream(part, { flags: resumed ? 'a' : 'w', mode: 0o644 });
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        o.onProgress?.({ file: name, received, total: Number.isFinite(total) ? total : undefined });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new RackerError(ErrorCodes.assets, `the download of ${target} was interrupted at ${received} bytes`, { hint: 'run again: it resumes where it stopped' })));
      out.on('error', reject);
      out.on('finish', resolve);
      res.pipe(out);
    }).catch(async (e: unknown) => {
      out.destroy();
      throw e;
    });
    const size = await sizeOf(part);
    if (Number.isFinite(total) && size !== total) {
      throw new RackerError(ErrorCodes.assets, `the download of ${target} stopped at ${size} of ${total} bytes`, { hint: 'run again: it resumes where it stopped' });
    }
    await rename(part, dest);
    return received - start;
  }
}
