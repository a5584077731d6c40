/**
 * Request labels, exactly as matchbox derives them (matchbox/http/parse.go `labelsFromRequest`):
 * every query parameter, first value only, key case kept; a key equal to `mac` in any case is
 * parsed like Go's `net.ParseMAC` and rewritten in lower-case colon form.
 *
 * Two deliberate differences (docs/boot-service.md): a query Go would partly discard (bad percent
 * escapes, `;` separators) and a `mac` that does not parse are rejected with a LabelError (HTTP
 * 400) instead of being dropped, because a dropped `mac` silently selects the default group and
 * can hand a node another machine's configuration.
 */

/** Labels of one request, keyed as sent. Null prototype: `__proto__` is just another key. */
export type Labels = Readonly<Record<string, string>>;

/** The query of a request is unusable; the message says why (it goes into the 400 body). */
export class LabelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelError';
  }
}

/**
 * Go's `net.ParseMAC`: 6, 8 or 20 octets as `xx:xx:…` / `xx-xx-…` (one separator throughout) or
 * `xxxx.xxxx.xxxx`; returns the `HardwareAddr.String()` form (`aa:bb:…`) or undefined.
 */
export function parseMac(s: string): string | undefined {
  // The usual case, tested once: six octets with one separator throughout (iPXE's ${mac:hexhyp}).
  if (s.length === 17 && SIX_OCTETS.test(s)) return (s[2] === '-' ? s.replace(/-/g, ':') : s).toLowerCase();
  if (s.length < 14) return undefined;
  const octets: string[] = [];
  if (s[2] === ':' || s[2] === '-') {
    if ((s.length + 1) % 3 !== 0) return undefined;
    const n = (s.length + 1) / 3;
    if (n !== 6 && n !== 8 && n !== 20) return undefined;
    const sep = s[2];
    for (let i = 0, x = 0; i < n; i++, x += 3) {
      const pair = s.slice(x, x + 2);
      if (!isHexPair(pair)) return undefined;
      if (i < n - 1 && s[x + 2] !== sep) return undefined;
      octets.push(pair.toLowerCase());
    }
  } else if (s[4] === '.') {
    if ((s.length + 1) % 5 !== 0) return undefined;
    const n = (2 * (s.length + 1)) / 5;
    if (n !== 6 && n !== 8 && n !== 20) return undefined;
    for (let i = 0, x = 0; i < n; i += 2, x += 5) {
      const a = s.slice(x, x + 2);
      const b = s.slice(x + 2, x + 4);
      if (!isHexPair(a) || !isHexPair(b)) return undefined;
      if (i < n - 2 && s[x + 4] !== '.') return undefined;
      octets.push(a.toLowerCase(), b.toLowerCase());
    }
  } else {
    return undefined;
  }
  return octets.join(':');
}

const SIX_OCTETS = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}$/;

function isHexPair(p: string): boolean {
  return /^[0-9a-fA-F]{2}$/.test(p);
}

/**
 * Go's `url.ParseQuery` for a raw query: `&`-separated `key=value` pairs, `+` is a space,
 * percent escapes decoded. Returns every value per key in order. Throws LabelError where Go would
 * report an error (and drop the pair).
 */
export function parseQuery(rawQuery: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  forEachQueryPair(rawQuery, (key, value) => {
    const list = values.get(key);
    if (list === undefined) values.set(key, [value]);
    else list.push(value);
  });
  return values;
}

/** Every decoded `key=value` pair of a raw query, in order; throws LabelError at the first bad one. */
function forEachQueryPair(rawQuery: string, each: (key: string, value: string) => void): void {
  if (rawQuery === '') return;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    if (pair.includes(';')) throw new LabelError(`query parameter "${truncate(pair)}" contains ";" (use & between parameters)`);
    const eq = pair.indexOf('=');
    each(unescapeQuery(eq < 0 ? pair : pair.slice(0, eq)), eq < 0 ? '' : unescapeQuery(pair.slice(eq + 1)));
  }
}

function unescapeQuery(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  const plus = s.replace(/\+/g, ' ');
  if (/%(?![0-9a-fA-F]{2})/.test(plus)) throw new LabelError(`query parameter "${truncate(s)}" has an invalid % escape`);
  // Each run of escapes is decoded as UTF-8 bytes. Go keeps invalid UTF-8; JS strings cannot, so
  // undecodable bytes become U+FFFD.
  return plus.replace(/(%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

function truncate(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

/** Labels from a raw query string (the part after `?`, without it). Throws LabelError. */
export function labelsFromQuery(rawQuery: string): Labels {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  forEachQueryPair(rawQuery, (key, value) => {
    if (key in labels) return; // first value only; later ones are still checked for bad escapes
    if (key.toLowerCase() === 'mac') {
      const mac = parseMac(value);
      if (mac === undefined) throw new LabelError(`${key}=${truncate(value)} is not a MAC address (expected e.g. 52-54-00-a1-9c-ae)`);
      labels[key] = mac;
    } else {
      labels[key] = value;
    }
  });
  return labels;
}

/** The request's normalised MAC (`mac` key exactly, as group selection uses it), if any. */
export function macLabel(labels: Labels): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, 'mac') ? labels.mac : undefined;
}
