/**
 * The agent's event log: one JSON object per line (NDJSON), append-only, in the state directory.
 * `events.ndjson` is the current file; before a line that would take it past `maxBytes` is
 * appended it becomes `events.1.ndjson` (older ones shift up to `keep`, the oldest is dropped), so
 * no file is larger than `maxBytes` (or one line, when a line alone is larger) and the log never
 * fills the disk. Job events (`job.*`) are fsynced: a job's history survives a power cut. Every event has a
 * sequence number that only grows, across rotations and restarts, so `since` means the same thing
 * to every reader.
 *
 * INVARIANTS: appends are written in order by one writer loop; a line is complete on disk or
 * absent after the torn tail a crash may leave has been cut off by open(); subscribers see an
 * event when it is appended, possibly before it reaches the disk.
 *
 * Reading back, every complete line is checked against `agentEventSchema` (the type the writer
 * uses is inferred from it). A damaged line (a disk error, a hand edit) is reported once by file,
 * line and field through the log and skipped: the log is history for people, so one bad line must
 * neither hide the others nor stop the agent from starting, and the file is left as it is so the
 * line can still be looked at. An unterminated last line is a write still under way, not damage.
 */
import { open, readFile, rename, stat, truncate, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { eventLogFile } from '../config/paths.js';
import { Emitter } from '../lib/emitter.js';
import { errorMessage, formatProblem, isENOENT, type Problem } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { firstIssue } from '../lib/schema-issue.js';

export const EVENT_LEVELS = ['info', 'warn', 'error'] as const;
export type EventLevel = (typeof EVENT_LEVELS)[number];

export const agentEventSchema = z.object({
  seq: z.number().int().min(1),
  at: z.string().datetime({ offset: true }),
  /** Dotted kind, e.g. `node.phase`, `bmc.unreachable`, `job.state`. */
  type: z.string().min(1),
  level: z.enum(EVENT_LEVELS),
  /** A human line: which node, what happened. */
  message: z.string(),
  /** Primary MAC of the node concerned. */
  node: z.string().optional(),
  job: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type AgentEvent = z.infer<typeof agentEventSchema>;

export type NewEvent = Omit<AgentEvent, 'seq' | 'at'>;

export interface EventQuery {
  /** Only events with a larger sequence number. */
  since?: number;
  node?: string;
  job?: string;
  /** Only events at or after this time (ISO 8601 in UTC, as `at` is written). */
  after?: string;
  /** Only the last `limit` matches. */
  limit?: number;
}

export interface EventLogOptions {
  dir: string;
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep: number;
  log: Logger;
  now?: () => Date;
}

export class EventLog {
  private readonly emitter: Emitter<AgentEvent>;
  private handle: FileHandle | undefined;
  private size = 0;
  private seq = 0;
  private queue: string[] = [];
  private writing: Promise<void> | undefined;
  /** A job event is queued: fsync after writing it. */
  private syncWanted = false;
  /** Between open() and close(). */
  private opened = false;
  /** Damaged lines already reported (file, line and text), so repeated reads say it once. */
  private readonly reported = new Set<string>();

  constructor(private readonly o: EventLogOptions) {
    this.emitter = new Emitter((err) => o.log.error({ err }, 'event subscriber failed'));
  }

  get lastSeq(): number {
    return this.seq;
  }

  filePath(index = 0): string {
    return eventLogFile(this.o.dir, index);
  }

  /** Cut a torn last line left by a crash, find the last sequence number, open for appending. */
  async open(): Promise<void> {
    const current = this.filePath();
    const text = await readOrEmpty(current);
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      this.o.log.warn({ file: current, bytes: text.length - end }, 'cut a torn last event line (the agent was killed while writing it)');
      await truncate(current, Buffer.byteLength(text.slice(0, end)));
    }
    this.seq = this.lastSeqIn(current, text.slice(0, end));
    for (let i = 1; this.seq === 0 && i <= this.o.keep; i++) this.seq = this.lastSeqIn(this.filePath(i), await readOrEmpty(this.filePath(i)));
    this.handle = await open(current, 'a', 0o600);
    this.size = (await this.handle.stat()).size;
    this.opened = true;
  }

  /** Record an event; returns it with its sequence number. The write happens in the background. */
  append(e: NewEvent): AgentEvent {
    this.seq += 1;
    const event: AgentEvent = { seq: this.seq, at: (this.o.now?.() ?? new Date()).toISOString(), ...e };
    this.queue.push(`${JSON.stringify(event)}\n`);
    if (event.type.startsWith('job.')) this.syncWanted = true;
    this.writing ??= this.drain();
    // Errors also go to the daemon's log, so `journalctl -u racker-agent -p err` names the node and the hint.
    if (e.level === 'error') this.o.log.error({ event: e.type, node: e.node, job: e.job, hint: e.data?.hint }, e.message);
    this.emitter.emit(event);
    return event;
  }

  subscribe(listener: (e: AgentEvent) => void): () => void {
    return this.emitter.on(listener);
  }

  /** Resolves when every appended event is on disk. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.opened = false;
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Events matching `q`, oldest first, from the rotated files and the current one. */
  async read(q: EventQuery = {}): Promise<AgentEvent[]> {
    await this.flush();
    const since = q.since ?? 0;
    const files: AgentEvent[][] = [];
    // Newest first, stopping at the first file that starts at or before `since`.
    for (let i = 0; i <= this.o.keep; i++) {
      const events = this.parse(this.filePath(i), await readOrEmpty(this.filePath(i)));
      if (events.length === 0) continue;
      files.unshift(events);
      if ((events[0] as AgentEvent).seq <= since + 1) break;
    }
    const out: AgentEvent[] = [];
    for (const events of files) {
      for (const e of events) {
        if (e.seq <= since) continue;
        if (q.node !== undefined && e.node !== q.node) continue;
        if (q.job !== undefined && e.job !== q.job) continue;
        if (q.after !== undefined && e.at < q.after) continue; // both ISO 8601 UTC: text order is time order
        out.push(e);
      }
    }
    return q.limit === undefined ? out : out.slice(Math.max(0, out.length - q.limit));
  }

  /** The events of one file's complete lines; damaged lines are reported (once) and skipped. */
  private parse(file: string, text: string): AgentEvent[] {
    const lines = text.split('\n');
    lines.pop(); // after the last newline: empty, or a line another process is still writing
    const out: AgentEvent[] = [];
    lines.forEach((line, i) => {
      if (line === '') return;
      const r = parseEventLine(line);
      if ('event' in r) out.push(r.event);
      else this.reportDamaged({ file, line: i + 1, ...r.problem }, line);
    });
    return out;
  }

  private reportDamaged(p: Problem, text: string): void {
    const key = `${p.file}:${p.line}:${text}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.o.log.warn({ file: p.file, line: p.line, field: p.field }, `${formatProblem(p)} (a damaged event: skipped, and left in the file)`);
  }

  private lastSeqIn(file: string, text: string): number {
    return this.parse(file, text).at(-1)?.seq ?? 0;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const lines = this.queue;
        this.queue = [];
        const sync = this.syncWanted;
        this.syncWanted = false;
        // The size is checked before every line, not per batch: a batch may be thousands of lines.
        let chunk: string[] = [];
        let chunkBytes = 0;
        for (const line of lines) {
          const bytes = Buffer.byteLength(line);
          if (this.size + chunkBytes > 0 && this.size + chunkBytes + bytes > this.o.maxBytes) {
            await this.appendChunk(chunk, chunkBytes);
            chunk = [];
            chunkBytes = 0;
            await this.rotate();
          }
          chunk.push(line);
          chunkBytes += bytes;
        }
        await this.appendChunk(chunk, chunkBytes);
        if (sync) await this.handle?.sync();
      }
    } catch (err) {
      // Losing events is bad, stopping the agent over it is worse: report and carry on.
      this.o.log.error({ err, dir: this.o.dir }, 'cannot write the event log');
      this.queue = [];
    } finally {
      this.writing = undefined;
    }
  }

  private async appendChunk(lines: string[], bytes: number): Promise<void> {
    if (lines.length === 0) return;
    if (this.handle === undefined && this.opened) {
      // A rotation failed half-way (the disk): start a current file again rather than never writing.
      this.handle = await open(this.filePath(), 'a', 0o600);
      this.size = (await this.handle.stat()).size;
    }
    if (this.handle === undefined) throw new Error('event log is not open');
    await this.handle.appendFile(lines.join(''));
    this.size += bytes;
  }

  private async rotate(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    for (let i = this.o.keep - 1; i >= 1; i--) await renameIfExists(this.filePath(i), this.filePath(i + 1));
    if (this.o.keep >= 1) await rename(this.filePath(), this.filePath(1));
    this.handle = await open(this.filePath(), this.o.keep >= 1 ? 'a' : 'w', 0o600);
    this.size = (await this.handle.stat()).size;
  }
}

/** One line of an event log file, checked; the problem (field and message) when it is damaged. */
export function parseEventLine(line: string): { event: AgentEvent } | { problem: Pick<Problem, 'field' | 'message'> } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { problem: { message: `not JSON: ${errorMessage(e)}` } };
  }
  const parsed = agentEventSchema.safeParse(raw);
  if (parsed.success) return { event: parsed.data };
  return { problem: firstIssue(parsed.error) };
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isENOENT(e)) return '';
    throw e;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await stat(from);
  } catch (e) {
    if (isENOENT(e)) return;
    throw e;
  }
  await rename(from, to);
}
