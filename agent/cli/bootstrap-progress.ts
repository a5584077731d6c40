/**
 * How `racker bootstrap` draws a running job. Pure: the job, the node records and the current time
 * in, lines out. Two forms: the live screen a terminal redraws in place (one line per node and an
 * overall bar, fitted to the terminal's width and height), and plain lines, one per change, for
 * pipes and CI logs (node X: phase A → B (time in A)), which replay every transition the node's
 * phase history holds, so a phase shorter than the poll interval is still reported.
 */
import type { JobRecord, NodeRecord } from '../state/records.js';
import { namesNode } from '../inventory/node-ref.js';

export interface JobView {
  job: JobRecord;
  /** The job's nodes (jobNodes), in nodes.csv order. */
  nodes: readonly NodeRecord[];
}

const DONE_PHASES: readonly string[] = ['provisioned', 'ready', 'joined'];
const IDLE_PHASES: readonly string[] = ['new', 'queued'];

/** The command that answers an open question from any shell. */
export const answerCommand = (q: { choices: readonly string[] }): string => `racker bootstrap --answer ${q.choices.join('|')}`;

/** "4s", "2m05s", "1h03m": a duration for a human. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** One line of at most `width` characters (whitespace folded, an ellipsis where cut). */
export function clip(text: string, width: number): string {
  const one = text.replace(/\s+/g, ' ');
  if (one.length <= width) return one;
  return width <= 1 ? one.slice(0, Math.max(0, width)) : `${one.slice(0, width - 1)}…`;
}

/**
 * The nodes a job covers: those whose phase names the job, and, as the request selects them, those
 * an earlier run finished (the job skips them and counts them as skipped).
 */
export function jobNodes(job: JobRecord, nodes: readonly NodeRecord[]): NodeRecord[] {
  const refs = (key: string): string[] => (Array.isArray(job.request[key]) ? (job.request[key] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  const only = refs('nodes');
  const exclude = refs('exclude');
  return nodes.filter((n) => n.phase.job === job.id
    || (!n.isManagement && n.inInventory && (only.length === 0 || only.some((r) => names(n, r))) && !exclude.some((r) => names(n, r))));
}

/** Whether a reference names the node (inventory/node-ref.ts, the agent's own rules). */
const names = (n: NodeRecord, ref: string): boolean => namesNode({ macs: [n.mac, n.bmc.mac, n.secondaryMac], hostname: n.hostname, row: n.row }, ref);

/** `[###==xx.............] 3/11 ready, 2 skipped, 2 failed`: '#' ready, '=' skipped (provisioned earlier), 'x' failed or excluded. */
export function progressBar(p: JobRecord['progress'], barWidth = 20): string {
  const skipped = p.skipped ?? 0;
  const total = Math.max(p.total, p.ready + skipped + p.failed + p.excluded, 1);
  const ready = Math.round((p.ready / total) * barWidth);
  const skip = Math.min(barWidth - ready, Math.round((skipped / total) * barWidth));
  const lost = Math.min(barWidth - ready - skip, Math.round(((p.failed + p.excluded) / total) * barWidth));
  const bar = barWidth > 0 ? `[${'#'.repeat(ready)}${'='.repeat(skip)}${'x'.repeat(lost)}${'.'.repeat(barWidth - ready - skip - lost)}] ` : '';
  return `${bar}${p.ready}/${p.total} ready${skipped > 0 ? `, ${skipped} skipped` : ''}${p.failed > 0 ? `, ${p.failed} failed` : ''}${p.excluded > 0 ? `, ${p.excluded} excluded` : ''}`;
}

export function jobHeadline(job: JobRecord, now: Date): string {
  const ran = job.startedAt === undefined ? '' : ` for ${elapsed((job.finishedAt === undefined ? now.getTime() : Date.parse(job.finishedAt)) - Date.parse(job.startedAt))}`;
  return `bootstrap ${job.id}: ${job.state}${ran}${job.message === undefined ? '' : `: ${job.message}`}`;
}

function problemText(n: NodeRecord): string {
  return n.lastError === undefined ? '' : `${n.lastError.step}: ${n.lastError.message}`;
}

/** 0 first: what most needs the operator's eye when not every node fits on the screen. */
function urgency(n: NodeRecord): number {
  if (n.phase.name === 'failed') return 0;
  if (DONE_PHASES.includes(n.phase.name)) return 4;
  if (n.phase.name === 'excluded' || n.phase.name === 'cancelled') return 3;
  if (IDLE_PHASES.includes(n.phase.name)) return 2;
  return 1;
}

/**
 * The live screen: a headline, one line per node (host name, phase, time in phase, last problem),
 * the bar, and the open question (unless a prompt asks it). No line is wider than `width - 1` (a full-width line would wrap on
 * some terminals and break redrawing in place); at most `height - 1` lines: when the nodes do not
 * fit, finished and waiting ones give way to a summary line.
 */
export function renderLive(v: JobView, o: { now: Date; width: number; height: number; question?: boolean }): string[] {
  const width = Math.max(10, o.width - 1);
  const tail = [progressBar(v.job.progress, width >= 60 ? 20 : width >= 40 ? 10 : 0)];
  if (v.job.question !== undefined && o.question !== false) tail.push(...wrap(`? ${v.job.question.text}`, width, 4), `  answer it with: ${answerCommand(v.job.question)}`);
  const room = Math.max(2, o.height - 1 - 1 - tail.length);
  let shown = [...v.nodes];
  let hidden: NodeRecord[] = [];
  if (shown.length > room) {
    const keep = new Set([...v.nodes].map((n, i) => ({ n, i })).sort((a, b) => urgency(a.n) - urgency(b.n) || a.i - b.i).slice(0, room - 1).map((x) => x.n));
    shown = v.nodes.filter((n) => keep.has(n));
    hidden = v.nodes.filter((n) => !keep.has(n));
  }
  const hostWidth = Math.min(24, Math.max(4, ...shown.map((n) => n.hostname.length)));
  const phaseWidth = Math.max(5, ...shown.map((n) => n.phase.name.length));
  const rows = shown.map((n) => {
    const cells = `  ${clip(n.hostname, hostWidth).padEnd(hostWidth)}  ${n.phase.name.padEnd(phaseWidth)}  ${elapsed(o.now.getTime() - Date.parse(n.phase.since)).padStart(6)}`;
    const problem = problemText(n);
    return problem === '' ? cells : `${cells}  ${clip(problem, Math.max(1, width - cells.length - 2))}`;
  });
  if (hidden.length > 0) rows.push(`  … and ${hidden.length} more: ${countPhases(hidden)}`);
  return [jobHeadline(v.job, o.now), ...rows, ...tail].map((l) => fit(l, width));
}

/** Cut a line to `width` characters, spacing kept. */
export function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/** Up to `maxLines` lines of at most `width` characters, broken at spaces where possible. */
export function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = text.replace(/\s+/g, ' ').trim();
  while (rest !== '' && lines.length < maxLines) {
    if (rest.length <= width || lines.length === maxLines - 1) {
      lines.push(fit(rest, width));
      break;
    }
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > width / 2 ? cut : width;
    lines.push(rest.slice(0, at));
    rest = `  ${rest.slice(at).trim()}`;
  }
  return lines;
}

function countPhases(nodes: readonly NodeRecord[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.phase.name, (counts.get(n.phase.name) ?? 0) + 1);
  return [...counts].map(([phase, count]) => `${count} ${phase}`).join(', ');
}

/** What plain mode has already printed. */
export interface PlainState {
  nodes: ReadonlyMap<string, { name: string; at: string; errorAt?: string }>;
  job?: string;
  message?: string;
  progress?: string;
}

export const initialPlainState = (): PlainState => ({ nodes: new Map() });

/**
 * The lines plain mode prints for what changed since `seen`: job state and message, then every
 * phase transition in the nodes' histories (a node seen for the first time gets one line with where
 * it is) and new problems, in the order they happened, and the bar when the counts moved.
 */
export function plainChanges(v: JobView, seen: PlainState, now: Date): { lines: string[]; state: PlainState } {
  const head: string[] = [];
  const timed: { at: string; line: string }[] = [];
  const state = { nodes: new Map(seen.nodes), job: v.job.state, message: v.job.message, progress: progressBar(v.job.progress, 0) };
  if (seen.job !== v.job.state) head.push(jobHeadline(v.job, now));
  else if (seen.message !== v.job.message && v.job.message !== undefined) head.push(`bootstrap ${v.job.id}: ${v.job.message}`);
  for (const n of v.nodes) {
    const last = seen.nodes.get(n.mac);
    const history = n.phase.history.length > 0 ? n.phase.history : [{ name: n.phase.name, at: n.phase.since }];
    if (last === undefined) {
      timed.push({ at: n.phase.since, line: `${n.hostname}: ${n.phase.name} (for ${elapsed(now.getTime() - Date.parse(n.phase.since))})` });
    } else {
      let from = findLastIndex(history, (h) => h.at === last.at && h.name === last.name);
      if (from < 0) from = findLastIndex(history, (h) => h.at < last.at);
      for (let i = from + 1; i < history.length; i++) {
        const prev = i === 0 ? last : history[i - 1] ?? last;
        const cur = history[i] ?? prev;
        timed.push({ at: cur.at, line: `${n.hostname}: ${prev.name} → ${cur.name} (${elapsed(Date.parse(cur.at) - Date.parse(prev.at))})` });
      }
    }
    const newest = history[history.length - 1] ?? { name: n.phase.name, at: n.phase.since };
    if (n.lastError !== undefined && n.lastError.at !== last?.errorAt && (last !== undefined || n.phase.name === 'failed')) {
      timed.push({ at: n.lastError.at, line: `${n.hostname}: problem in ${problemText(n)}` });
    }
    state.nodes.set(n.mac, { name: newest.name, at: newest.at, ...(n.lastError === undefined ? {} : { errorAt: n.lastError.at }) });
  }
  // In the order things happened across the rack (the sort is stable: one node's lines keep theirs).
  const lines = [...head, ...timed.sort((a, b) => a.at.localeCompare(b.at)).map((t) => t.line)];
  if (seen.progress !== state.progress) lines.push(progressBar(v.job.progress));
  return { lines, state };
}

function findLastIndex<T>(xs: readonly T[], p: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (p(xs[i] as T)) return i;
  return -1;
}
