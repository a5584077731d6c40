/**
 * The editor's screen as text: a pure function of the session state and the terminal size,
 * returning exactly `height` lines of `width` characters in blessed's tag markup. Layout:
 * line 0 the screen tabs, then the body, two status lines, and the help bar with the keys.
 */
import { isDirty, blockingProblems } from '../session.js';
import type { SessionState } from '../session-state.js';
import { line, seg, wrapText, type Segment } from './text.js';
import { renderCredentials } from './render-credentials.js';
import { renderNodes } from './render-nodes.js';
import { renderSummary } from './render-summary.js';
import { overlayModal } from './render-modal.js';
import { cellStatus } from './render-nodes.js';

export const MIN_WIDTH = 80;
export const MIN_HEIGHT = 24;

export function renderScreen(s: SessionState, width: number, height: number): string[] {
  if (width < MIN_WIDTH || height < MIN_HEIGHT) {
    return [line([seg(`racker factory needs a terminal of at least ${MIN_WIDTH}x${MIN_HEIGHT} (this one is ${width}x${height}); Esc leaves`, 'bold')], width),
      ...Array.from({ length: Math.max(0, height - 1) }, () => ' '.repeat(Math.max(0, width)))];
  }
  const bodyHeight = height - 4;
  let body: string[];
  if (s.screen === 'credentials') body = renderCredentials(s, width, bodyHeight);
  else if (s.screen === 'summary') body = renderSummary(s, width, bodyHeight);
  else body = renderNodes(s, width, bodyHeight);
  body = overlayModal(s, body, width);
  return [header(s, width), ...body, ...statusLines(s, width), line(helpBar(s), width)];
}

function header(s: SessionState, width: number): string {
  const tab = (label: string, screen: SessionState['screen']): Segment => seg(` ${label} `, s.screen === screen ? 'inverse bold' : undefined);
  const segs = [seg(' racker factory ', 'bold'), tab('F2 Credentials', 'credentials'), seg(' '), tab('F3 Nodes', 'nodes'), seg(' '), tab('^S Summary+Save', 'summary')];
  const used = segs.reduce((n, x) => n + x.text.length, 0);
  const flag = isDirty(s) ? 'unsaved changes' : 'saved';
  return line([...segs, seg(' '.repeat(Math.max(1, width - used - flag.length - 1))), seg(flag, isDirty(s) ? 'yellow-fg bold' : 'green-fg')], width);
}

const TONE: Record<string, string> = { error: 'red-fg bold', ok: 'green-fg', info: 'cyan-fg' };

function statusLines(s: SessionState, width: number): string[] {
  const first: Segment[] = s.screen === 'nodes' && s.modal === undefined ? cellStatus(s) : problemCount(s);
  if (s.status !== undefined) {
    return [line(first, width), ...wrapText(s.status.text, width, 1).map((t) => line([seg(t, TONE[s.status?.tone ?? 'info'])], width))];
  }
  // No message: a long problem may use both lines.
  const text = first.map((x) => x.text).join('');
  const style = first[first.length - 1]?.style;
  const wrapped = [...text].length > width ? wrapText(text, width, 2).map((t) => line([seg(t, style)], width)) : [line(first, width)];
  while (wrapped.length < 2) wrapped.push(line([], width));
  return wrapped;
}

function problemCount(s: SessionState): Segment[] {
  const n = blockingProblems(s);
  return n === 0 ? [seg('no problems: ready to save', 'green-fg')] : [seg(`${n} problem${n === 1 ? '' : 's'} to fix before saving`, 'red-fg')];
}

/** The keys that work right now; every variant fits 80 columns (a unit test checks). */
export function helpBar(s: SessionState): Segment[] {
  const keys = (...pairs: [string, string][]): Segment[] => pairs.flatMap(([k, what]) => [seg(k, 'inverse'), seg(` ${what} `)]);
  const m = s.modal;
  if (m?.kind === 'quit') return keys(['y', 'leave without saving'], ['n', 'stay']);
  if (m?.kind === 'delete') return keys(['y', `delete row ${m.row + 1}`], ['n', 'keep it']);
  if (m?.kind === 'import') return keys(['Enter', 'import'], ['Esc', 'cancel']);
  if (m?.kind === 'discovery') return keys(['↑↓', 'choose'], ['Enter', 'put into cell'], ['^R', 'refresh'], ['Esc', 'close']);
  if (s.screen === 'credentials') return keys(['Tab', 'next field'], ['Enter', 'next'], ['F3', 'nodes'], ['^O', 'import CSV'], ['^S', 'save'], ['Esc', 'quit']);
  if (s.screen === 'summary') return keys(['Enter', 'save'], ['Esc', 'back'], ['F2', 'credentials'], ['F3', 'nodes']);
  if (s.edit !== undefined) return keys(['Enter/Tab', 'next cell'], ['^U', 'clear'], ['Esc', 'cancel edit'], ['^S', 'save']);
  return keys(['Enter', 'edit'], ['^N', 'add'], ['^D', 'del'], ['S-↑↓', 'move'], ['^R', 'discover'], ['^O', 'import'], ['^S', 'save'], ['Esc', 'quit']);
}
