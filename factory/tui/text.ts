/**
 * Building screen lines from styled segments, in blessed's tag markup, with exact widths: every
 * line is padded or cut to the screen width before markup is added, so layout never depends on
 * how long a MAC or a comment is. User text is escaped (a `{` in a comment is not a tag).
 */
export interface Segment {
  text: string;
  /** Space-separated blessed styles, e.g. `red-fg bold` or `inverse`. */
  style?: string | undefined;
}

export const seg = (text: string, style?: string): Segment => ({ text, style });

export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** Cut to `width` (with … when cut) and pad with spaces to exactly `width`. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
  return text + ' '.repeat(width - chars.length);
}

/** One screen line of exactly `width` visible characters. */
export function line(segments: readonly Segment[], width: number): string {
  let left = width;
  let out = '';
  for (const s of segments) {
    if (left <= 0) break;
    const len = [...s.text].length;
    const text = len > left ? fit(s.text, left) : s.text;
    left -= Math.min(len, left);
    out += styled(text, s.style);
  }
  return out + ' '.repeat(left);
}

export function styled(text: string, style: string | undefined): string {
  const t = escapeTags(text);
  if (style === undefined || style === '') return t;
  return `${style.split(' ').map((x) => `{${x}}`).join('')}${t}{/}`;
}

/** Visible text of a tagged line (for tests and for tmux assertions). */
export function stripTags(tagged: string): string {
  return tagged.replace(/\{(open|close|\/?[a-z-]*)\}/g, (_, name: string) => (name === 'open' ? '{' : name === 'close' ? '}' : ''));
}

/** Word-wrap plain text to at most `maxLines` lines of `width` (the last one cut with …). */
export function wrapText(text: string, width: number, maxLines: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of text.split(/ +/)) {
    if (current !== '' && [...current].length + 1 + [...word].length > width) {
      out.push(current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') out.push(current);
  if (out.length <= maxLines) return out;
  const kept = out.slice(0, maxLines);
  kept[maxLines - 1] = fit(`${kept[maxLines - 1] ?? ''} ${out.slice(maxLines).join(' ')}`, width).trimEnd();
  return kept;
}
