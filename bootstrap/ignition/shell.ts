/** Shell quoting for the scripts racker writes onto nodes: values are always single-quoted. */

/** Quote one word for bash/sh: 'it'\''s'. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
