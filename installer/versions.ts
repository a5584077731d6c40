/**
 * racker version numbers (semantic versions: MAJOR.MINOR.PATCH with an optional pre-release) and
 * the choices `racker update` (newest with the current major) and `racker upgrade` (newest) make.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: string | undefined;
  text: string;
}

const VERSION_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4], text };
}

export function isVersion(text: string): boolean {
  return parseVersion(text) !== undefined;
}

/** Semantic-version order; a pre-release sorts before its release. Unparseable texts sort first. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x === undefined || y === undefined) return (x === undefined ? 0 : 1) - (y === undefined ? 0 : 1) || (a < b ? -1 : a > b ? 1 : 0);
  for (const k of ['major', 'minor', 'patch'] as const) if (x[k] !== y[k]) return x[k] - y[k];
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return comparePre(x.pre, y.pre);
}

function comparePre(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const s = pa[i];
    const t = pb[i];
    if (s === undefined) return -1;
    if (t === undefined) return 1;
    const ns = /^\d+$/.test(s);
    const nt = /^\d+$/.test(t);
    if (ns && nt && Number(s) !== Number(t)) return Number(s) - Number(t);
    if (ns !== nt) return ns ? -1 : 1;
    if (s !== t) return s < t ? -1 : 1;
  }
  return 0;
}

/** The newest release; pre-releases only when nothing else exists or when asked. */
export function newest(versions: readonly string[], options: { sameMajorAs?: string; pre?: boolean } = {}): string | undefined {
  const major = options.sameMajorAs === undefined ? undefined : parseVersion(options.sameMajorAs)?.major;
  const candidates = versions.map(parseVersion).filter((v): v is Version =>
    v !== undefined && (major === undefined || v.major === major) && (options.pre === true || v.pre === undefined));
  return candidates.map((v) => v.text).sort(compareVersions).at(-1);
}
