/**
 * `racker logs [--node NODE] [--follow] [--since TIME] [--lines N] [--json]`: the agent's event
 * log (phases, BMC, DHCP, boot requests, jobs: what happened to which node), from the agent over
 * the control socket; when the agent is not running, from the files it left in the state directory.
 *
 * The event log is racker's own history per node and survives restarts; the daemon's diagnostic
 * lines (every subsystem, at every level) are journald's: `journalctl -u racker-agent`. Output is
 * bounded: the last --lines events (default 50) unless --since says where to start.
 */
import { writeLine, type CliContext } from '../cli-kit/context.js';
import { parseCommandArgs } from '../cli-kit/args.js';
import { ErrorCodes, RackerError, UsageError, isSystemError } from '../lib/errors.js';
import { loadConfig } from '../config/load.js';
import { AgentClient } from '../api/client.js';
import { readSocketPath } from '../api/socket-path.js';
import type { AgentEvent, EventQuery } from '../state/event-log.js';
import type { Writable } from 'node:stream';
import { readingLogger } from '../cli-kit/reading-logger.js';
import { nodesNamed } from '../inventory/node-ref.js';
import { escapeControls } from '../cli-kit/terminal-text.js';

const USAGE = 'racker logs [--node NODE] [--follow] [--since TIME] [--lines N] [--json] [--config FILE]';
const HELP = `usage: ${USAGE}

The agent's event log, oldest first: phases, BMC, DHCP and boot requests, jobs, per node. From the
agent; when it is not running, from what it saved in the state directory (said on stderr).

  --node NODE     one node: a MAC, host name or row number
  --follow        keep printing new events until Ctrl-C (needs the agent); short -f
  --since TIME    from TIME on: a duration back from now (90s, 10m, 2h, 1d) or an ISO 8601 time
                  (2026-12-05T23:00:00Z, 2026-12-05)
  --lines N       at most the last N events (default 50, up to 10000; short -n); with --since,
                  every event since TIME, up to 10000
  --json          one JSON event per line (NDJSON), as GET /v1/events gives them

The daemon's own log lines (each subsystem, warnings, errors with hints) are in the journal:
  journalctl -u racker-agent [-p err] [--since -1h] [-f]
Exit status 0 success, 1 failure (agent and state directory unreadable), 2 usage error.`;

const DEFAULT_LINES = 50;
const MAX_LINES = 10_000;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** --since: a duration back from `now` ("10m") or an ISO 8601 time; the ISO time it means. */
export function parseSince(text: string, now: Date): string {
  const d = /^(\d{1,6})([smhd])$/.exec(text);
  if (d !== null) return new Date(now.getTime() - Number(d[1]) * (UNIT_SECONDS[d[2] as string] as number) * 1000).toISOString();
  const t = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text.replace(' ', 'T')) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`--since "${text}" is neither a duration nor a time`, 'e.g. --since 10m, --since 2h, --since 2026-12-05T23:00:00Z');
  return new Date(t).toISOString();
}

/** One event as a line: local-free UTC time, level, type, message (control characters escaped). */
export function renderEvent(e: AgentEvent): string {
  return `${e.at.replace('T', ' ').slice(0, 19)}  ${e.level.padEnd(5)}  ${e.type.padEnd(18)} ${escapeControls(e.message)}`;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    node: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, since: { type: 'string' }, lines: { type: 'string', short: 'n' },
  }, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, `name a node with --node; usage: ${USAGE}`);
  const lines = values.lines === undefined ? undefined : Number(values.lines);
  if (lines !== undefined && (!Number.isInteger(lines) || lines < 1 || lines > MAX_LINES)) throw new UsageError(`--lines takes 1 to ${MAX_LINES}, not "${values.lines}"`);
  const after = values.since === undefined ? undefined : parseSince(values.since, new Date());
  const limit = lines ?? (after === undefined ? DEFAULT_LINES : MAX_LINES);
  const config = await loadConfig({ flag: values.config, env: ctx.env });
  const print = (e: AgentEvent): void => writeLine(ctx.stdout, values.json === true ? JSON.stringify(e) : renderEvent(e));
  const client = new AgentClient({ socketPath: readSocketPath(config.paths.runDir), timeoutMs: 5_000 });
  const query = new URLSearchParams({ limit: String(limit), follow: values.follow === true ? 'true' : 'false' });
  if (values.node !== undefined) query.set('node', values.node);
  if (after !== undefined) query.set('after', after);
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    await client.streamEvents(query.toString(), print, stop.signal);
    return 0;
  } catch (e) {
    if (!(e instanceof RackerError) || e.code !== ErrorCodes.agentUnavailable || isSystemError(e.cause, 'EACCES')) throw e;
    if (values.follow === true) throw new RackerError(e.code, `${e.message}: --follow needs it`, { hint: e.hint, cause: e });
    ctx.stderr.write(`${e.message}; showing the events it saved in ${config.paths.stateDir}\n`);
    for (const event of await savedEvents(config.paths.stateDir, { node: values.node, after, limit }, ctx.stderr)) print(event);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The event log files the agent left, read without the agent (the node named as the agent would). */
async function savedEvents(stateDir: string, o: { node?: string; after?: string; limit: number }, stderr: Writable): Promise<AgentEvent[]> {
  const [{ readStateFile }, { EventLog }] = await Promise.all([import('../state/state-file.js'), import('../state/event-log.js')]);
  const q: EventQuery = { limit: o.limit, ...(o.after === undefined ? {} : { after: o.after }) };
  if (o.node !== undefined) {
    const nodes = Object.values((await readStateFile(stateDir))?.nodes ?? {});
    const found = nodesNamed(nodes, o.node, (n) => ({ macs: [n.mac, n.bmc.mac, n.secondaryMac], hostname: n.hostname, row: n.row }));
    const node = found.find((n) => n.inInventory) ?? found[0];
    if (node === undefined) throw new UsageError(`no node "${o.node}" in the saved state`, 'use a MAC, host name or row number shown by `racker status`');
    q.node = node.mac;
  }
  return new EventLog({ dir: stateDir, maxBytes: Number.MAX_SAFE_INTEGER, keep: 20, log: readingLogger(stderr) }).read(q);
}
