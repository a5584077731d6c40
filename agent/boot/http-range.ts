/**
 * HTTP conditional and range request rules for static files, pure, following Go's
 * http.ServeContent (what matchbox's /assets/ uses): If-Unmodified-Since → 412,
 * If-Modified-Since (GET/HEAD, only without If-None-Match) → 304 when not newer at one-second
 * resolution, If-Range against Last-Modified, a single `bytes=` range → 206, an unsatisfiable or
 * malformed range → 416. Several ranges are answered with the whole file (200), which RFC 9110
 * allows; Go would send multipart/byteranges, which no boot loader asks for.
 */

export type RangeDecision =
  | { status: 200; start: 0; end: number }
  | { status: 206; start: number; end: number }
  | { status: 304 }
  | { status: 412 }
  | { status: 416 };

export interface RangeRequest {
  method: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
  ifNoneMatch?: string;
  ifRange?: string;
  range?: string;
}

/** `end` is inclusive; for an empty file a 200 has end -1. */
export function decideRange(r: RangeRequest, size: number, mtimeMs: number): RangeDecision {
  const modified = Math.floor(mtimeMs / 1000) * 1000;
  if (r.ifUnmodifiedSince !== undefined) {
    const t = Date.parse(r.ifUnmodifiedSince);
    if (!Number.isNaN(t) && modified > t) return { status: 412 };
  }
  if (r.ifNoneMatch === undefined && r.ifModifiedSince !== undefined && (r.method === 'GET' || r.method === 'HEAD')) {
    const t = Date.parse(r.ifModifiedSince);
    if (!Number.isNaN(t) && modified <= t) return { status: 304 };
  }
  const whole = { status: 200 as const, start: 0 as const, end: size - 1 };
  if (r.range === undefined || r.method !== 'GET' && r.method !== 'HEAD') return whole;
  if (r.ifRange !== undefined) {
    const t = Date.parse(r.ifRange);
    // An entity tag (we send none) or a different date: the client's copy is stale, send it all.
    if (Number.isNaN(t) || t !== modified) return whole;
  }
  const m = /^bytes=(.*)$/.exec(r.range.trim());
  if (m === null || m[1] === undefined) return { status: 416 };
  const specs = m[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0) return { status: 416 };
  const parsed: { start: number; end: number }[] = [];
  for (const spec of specs) {
    const p = /^(\d*)-(\d*)$/.exec(spec);
    if (p === null || (p[1] === '' && p[2] === '')) return { status: 416 };
    if (p[1] === '') {
      const n = Number(p[2]);
      if (n === 0) continue;
      parsed.push({ start: Math.max(0, size - n), end: size - 1 });
    } else {
      const start = Number(p[1]);
      const end = p[2] === '' ? size - 1 : Math.min(Number(p[2]), size - 1);
      if (p[2] !== '' && Number(p[2]) < start) return { status: 416 };
      if (start >= size) continue;
      parsed.push({ start, end });
    }
  }
  const only = parsed[0];
  if (only === undefined) return { status: 416 };
  if (parsed.length > 1) return whole;
  return { status: 206, start: only.start, end: only.end };
}
