/**
 * A boot worker process: started by the agent (BootWorkers), it answers HTTP on the connections
 * the agent hands it exactly as the agent's own process does (http-handler.ts), over its own copy
 * of the boot data, and sends every event back. It exits when the agent says stop or when
 * the IPC channel closes (the agent died), so it never outlives the agent.
 */
import type { Socket } from 'node:net';
import { createLogger, type Logger } from '../../lib/log.js';
import { TurnBatch } from '../../lib/turn-batch.js';
import type { BootEvent, PhoneHomeEvent } from '../events.js';
import { createBootHttpServer, type BootHttp } from '../http-handler.js';
import { accessPolicy } from '../node-access.js';
import { NodeTokens } from '../phone-home.js';
import { BootStore } from '../store.js';
import { reportToWire, toWire, tokenFromWire, type FromWorker, type ToWorker, type WireEvent, type WorkerInit } from './protocol.js';

let http: BootHttp | undefined;
let store: BootStore | undefined;
let log: Logger | undefined;
const tokens = new NodeTokens();
/** The connections this worker serves, by the agent's id (for `drop`). */
const connections = new Map<number, Socket>();
let stopping = false;

function send(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

/**
 * Events leave in one message per turn of the event loop: under load that is hundreds per
 * message, with no added delay when idle.
 */
const events = new TurnBatch<WireEvent>((batch) => send({ type: 'events', events: batch }));

function emit(e: BootEvent): void {
  if (e.type !== 'phone-home') events.push(toWire(e));
}

/** Phone-home reports waiting for the agent to keep them, by id. */
const reports = new Map<number, { resolve: (kept: boolean) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
let nextReport = 1;
/** Longer than the agent needs to write a small file; the node is told to send it again after. */
const REPORT_TIMEOUT_MS = 10_000;

/** The agent keeps the report (it owns the tokens and the state); the node is answered after. */
function accept(e: PhoneHomeEvent): Promise<boolean> {
  const id = nextReport++;
  return new Promise((resolve, reject) => {
    if (!process.connected) return reject(new Error('the agent is gone'));
    const timer = setTimeout(() => {
      reports.delete(id);
      reject(new Error(`the agent did not confirm the report within ${REPORT_TIMEOUT_MS / 1000} s`));
    }, REPORT_TIMEOUT_MS);
    reports.set(id, { resolve, reject, timer });
    send({ type: 'report', id, report: reportToWire(e) });
  });
}

function reported(id: number, outcome: 'kept' | 'replay' | 'failed'): void {
  const r = reports.get(id);
  if (r === undefined) return;
  reports.delete(id);
  clearTimeout(r.timer);
  if (outcome === 'failed') r.reject(new Error('the agent could not keep the report'));
  else r.resolve(outcome === 'kept');
}

async function init(m: WorkerInit): Promise<void> {
  log = createLogger({ mode: 'daemon', level: m.logLevel }).child({ component: 'boot', worker: m.index });
  for (const [mac, entry] of m.tokens) tokens.setEntry(mac, tokenFromWire(entry));
  // The agent reports the boot data's problems once; a worker only says when it cannot load.
  store = new BootStore({ dataDir: m.dataDir, log: log.child({}, { level: 'error' }), watch: false });
  await store.start(new AbortController().signal);
  const data = store;
  http = createBootHttpServer({
    data: () => data.current, assetsDir: m.assetsDir, access: accessPolicy(m.access), tokens, emit, accept, log,
    accessLog: m.accessLog, maxHeaderSize: m.maxHeaderSize, timeouts: m.timeouts, limits: m.limits,
  });
  send({ type: 'ready' });
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await http?.close();
  await store?.stop();
  events.flush();
  // Disconnect only once the last message is written: closing the channel cancels queued writes.
  if (process.connected) process.send?.({ type: 'stopped' } satisfies FromWorker, undefined, {}, () => process.disconnect?.());
}

process.on('message', (m: ToWorker, socket: Socket | undefined) => {
  switch (m.type) {
    case 'connection':
      send({ type: 'took' });
      if (socket === undefined) return void send({ type: 'closed', id: m.id });
      if (http === undefined || stopping) {
        socket.destroy();
        send({ type: 'closed', id: m.id });
        return;
      }
      connections.set(m.id, socket);
      http.serve(socket, (cut) => {
        connections.delete(m.id);
        send(cut === undefined ? { type: 'closed', id: m.id } : { type: 'closed', id: m.id, cut });
      });
      return;
    case 'drop':
      connections.get(m.id)?.destroy();
      return;
    case 'init':
      init(m).catch((err: unknown) => {
        send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        process.exitCode = 1;
        process.disconnect?.();
      });
      return;
    case 'reload':
      store?.reload().catch((err: unknown) => log?.error({ err }, 'reloading boot data failed; still serving the previous data'));
      return;
    case 'token':
      if (m.entry === undefined) tokens.delete(m.mac);
      else tokens.setEntry(m.mac, tokenFromWire(m.entry));
      return;
    case 'reported':
      reported(m.id, m.outcome);
      return;
    case 'stop':
      void stop();
      return;
  }
});
// The agent is gone (or closed the channel after 'stopped'): finish what is in flight and exit.
process.on('disconnect', () => {
  void stop().finally(() => setImmediate(() => process.exit()));
});
