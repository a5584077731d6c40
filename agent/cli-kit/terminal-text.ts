/**
 * Text from the network or from files (node types, phone-home reasons, agent messages) made safe
 * for a terminal: control characters are shown as `\xNN` instead of acted on, so `\e]0;…\a` cannot
 * retitle the window, move the cursor or hide a line. The CLI's renderers use this one helper on
 * the data they draw; JSON output needs none (JSON.stringify escapes control characters).
 */

// C0 controls, DEL, C1 controls; and the Unicode bidi overrides that reorder what is shown.
// Matching control characters is the point here.
/* eslint-disable no-control-regex */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

function shown(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One field: every control character escaped, newlines and tabs too (a field is one line). */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, shown);
}

/** A message of several lines: control characters escaped, newlines and tabs kept. */
export function escapeControlsKeepLines(text: string): string {
  return text.replace(CONTROLS_BUT_LINES, shown);
}

/** A copy of `value` (records, views) with every string escaped, for a renderer to draw. */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => terminalSafe(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, terminalSafe(v)])) as T;
  }
  return value;
}
