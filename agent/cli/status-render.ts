/** How `racker status` draws nodes. Pure: data and the current time in, text out. */
import type { AgentEvent } from '../state/event-log.js';
import type { JobRecord, NodeRecord } from '../state/records.js';
import { hardwareSummary } from '../inventory/hardware-summary.js';
import { bmcFactsSummary } from '../inventory/bmc-facts-summary.js';
import { serialMismatch } from '../inventory/serial-match.js';
import { answerCommand, jobHeadline } from './bootstrap-progress.js';

export interface StatusView {
  /** The agent answered (live state), or the state file was read (it is not running). */
  source: 'agent' | 'persisted';
  /** Why the agent could not be asked, when source is persisted. */
  offlineReason?: string;
  stateFile?: string;
  savedAt?: string;
  agent?: { version: string; pid: number; startedAt: string };
  nodes: NodeRecord[];
  /** Recent events per node MAC (--full). */
  events?: Record<string, AgentEvent[]>;
  /** The bootstrap job not finished yet, if any. */
  job?: JobRecord;
}

/** "12s", "5m", "3h", "2d": how long ago. */
export function ago(iso: string | undefined, now: Date): string {
  if (iso === undefined) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

function bmcCell(n: NodeRecord): string {
  if (n.isManagement) return '-';
  if (n.bmc.reachable === null) return '?';
  return n.bmc.reachable ? 'yes' : 'NO';
}

function clip(text: string, width: number): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length <= width ? one : `${one.slice(0, width - 1)}…`;
}

export function renderTable(nodes: readonly NodeRecord[], now: Date, problemWidth = 60): string {
  const header = ['NODE', 'ROLE/TYPE', 'PRIMARY MAC', 'INTERNAL IP', 'BMC', 'POWER', 'PHASE', 'SINCE', 'LAST PROBLEM'];
  const rows = nodes.map((n) => [
    n.hostname,
    `${n.role ?? '-'}/${n.nodeType}`,
    n.mac,
    n.address ?? '-',
    bmcCell(n),
    n.isManagement ? '-' : n.power.state,
    n.phase.name,
    ago(n.phase.since, now),
    n.lastError === undefined ? '' : clip(`${n.lastError.step}: ${n.lastError.message}`, problemWidth),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function renderDetails(n: NodeRecord, events: readonly AgentEvent[], now: Date): string {
  const out = [`${n.hostname} (${n.mac})${n.inInventory ? '' : ' - no longer in nodes.csv'}`];
  if (!n.isManagement) {
    const reach = n.bmc.reachable === null ? 'not polled yet' : n.bmc.reachable ? 'reachable' : `UNREACHABLE (${n.bmc.failures} failed polls)`;
    out.push(`  BMC:     ${n.bmc.address ?? 'no address'} (MAC ${n.bmc.mac}), driver ${n.bmc.driver}, ${reach}, last seen ${n.bmc.lastSeen === undefined ? 'never' : `${ago(n.bmc.lastSeen, now)} ago`}`);
    if (n.bmc.lastError !== undefined) out.push(`           last error: ${n.bmc.lastError}`);
    out.push(`  power:   ${n.power.state}${n.power.since === undefined ? '' : ` since ${n.power.since}`}${n.power.checkedAt === undefined ? '' : `, checked ${ago(n.power.checkedAt, now)} ago`}`);
  }
  out.push(`  phase:   ${n.phase.name} since ${n.phase.since}${n.phase.job === undefined ? '' : ` (job ${n.phase.job})`}`);
  out.push(`  NICs:    primary ${n.mac}${n.address === undefined ? '' : ` ${n.address}`}, secondary ${n.secondaryMac}`);
  if (n.hardware !== undefined) {
    out.push(`  hardware: ${hardwareSummary(n.hardware.current)} (inspected ${ago(n.hardware.current.at, now)} ago; racker inventory ${n.hostname})`);
    const changed = n.hardware.history.at(-1);
    if (changed !== undefined) out.push(`  WARNING: hardware changed ${ago(changed.at, now)} ago: ${changed.changes.join('; ')}`);
  }
  if (n.bmcFacts !== undefined) {
    out.push(`  BMC says: ${bmcFactsSummary(n.bmcFacts)} (read ${ago(n.bmcFacts.at, now)} ago)`);
    const mismatch = serialMismatch(n.bmcFacts, n.hardware?.current);
    if (mismatch !== undefined) out.push(`  WARNING: ${mismatch.message}`);
  }
  if (n.lastError !== undefined) {
    out.push(`  problem: ${n.lastError.step}: ${n.lastError.message} (${ago(n.lastError.at, now)} ago)`);
    if (n.lastError.hint !== undefined) out.push(`    fix:   ${n.lastError.hint}`);
  }
  if (events.length > 0) {
    out.push('  recent events:');
    for (const e of events) out.push(`    ${e.at.replace('T', ' ').slice(0, 19)}  ${e.type.padEnd(16)} ${e.message}`);
  }
  return out.join('\n');
}

export function renderStatus(v: StatusView, o: { full: boolean; now: Date }): string {
  const out: string[] = [];
  if (v.source === 'persisted') {
    out.push(`*** The racker agent is not running${v.offlineReason === undefined ? '' : ` (${v.offlineReason})`}.`);
    out.push(`*** Showing the LAST PERSISTED STATE from ${v.stateFile ?? 'the state directory'}${v.savedAt === undefined ? '' : `, saved ${v.savedAt} (${ago(v.savedAt, o.now)} ago)`}; it may be out of date.`);
    out.push('');
  }
  const current = v.nodes.filter((n) => n.inInventory);
  const gone = v.nodes.filter((n) => !n.inInventory);
  out.push(current.length === 0 ? 'No nodes.' : renderTable(o.full ? v.nodes : current, o.now, o.full ? 200 : 60));
  if (o.full) {
    for (const n of o.full ? v.nodes : current) out.push('', renderDetails(n, v.events?.[n.mac] ?? [], o.now));
  } else {
    const rack = current.filter((n) => !n.isManagement);
    const count = (p: string): number => rack.filter((n) => n.phase.name === p).length;
    out.push('', `${rack.length} nodes: ${count('provisioned')} provisioned, ${count('failed')} failed, ${rack.filter((n) => n.bmc.reachable === false).length} BMCs unreachable.${gone.length > 0 ? ` ${gone.length} more no longer in nodes.csv.` : ''}`);
    out.push('More: racker status --full (BMC details, recent events), racker status --watch, racker ipmi <node> diag');
  }
  if (v.job !== undefined) {
    out.push('', jobHeadline(v.job, o.now));
    if (v.job.question !== undefined) out.push(`? ${v.job.question.text}`, `  answer it with: ${answerCommand(v.job.question)}`);
  }
  if (v.agent !== undefined && v.source === 'agent') out.push(`agent ${v.agent.version}, pid ${v.agent.pid}, up since ${v.agent.startedAt}`);
  return out.join('\n');
}
