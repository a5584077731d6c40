/**
 * Our client for systemd's notify protocol (sd_notify(3)): `READY=1` once every service is up,
 * `STATUS=` lines for `systemctl status`, `WATCHDOG=1` pings, `RELOADING=1`/`READY=1` around a
 * reload and `STOPPING=1` at shutdown. Without NOTIFY_SOCKET (not under systemd, or Type=simple)
 * it sends nothing at all.
 */
import type { Logger } from '../lib/log.js';
import type { Env } from '../config/paths.js';
import { notifySocketAddress, sendDatagram, type DatagramSender } from './notify-socket.js';
import { withBackoff } from '../lib/backoff.js';

/** A wait that does not keep the process alive (a last notification must not delay exit). */
const unrefSleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms).unref(); });

export interface SdNotifyOptions {
  env: Env;
  log: Logger;
  /** Injected for unit tests; the real one sends a datagram. */
  send?: DatagramSender;
  pid?: number;
  /** CLOCK_MONOTONIC in microseconds (systemd wants it with RELOADING=1). */
  monotonicUsec?: () => bigint;
  /** Retry a full socket buffer this often before giving up (each 20 ms apart). */
  retries?: number;
}

export class SdNotifier {
  private readonly address: Buffer | undefined;
  private readonly send: DatagramSender;
  private readonly log: Logger;
  private lastStatus: string | undefined;

  constructor(private readonly options: SdNotifyOptions) {
    const raw = options.env.NOTIFY_SOCKET;
    this.address = raw === undefined || raw === '' ? undefined : notifySocketAddress(raw);
    this.send = options.send ?? sendDatagram;
    this.log = options.log.child({ component: 'sd-notify' });
    if (raw !== undefined && raw !== '' && this.address === undefined) {
      this.log.warn({ notifySocket: raw }, 'NOTIFY_SOCKET is neither a path nor an abstract address; not notifying systemd');
    }
  }

  /** Whether systemd is listening (NOTIFY_SOCKET is set and usable). */
  get enabled(): boolean {
    return this.address !== undefined;
  }

  /**
   * Half of WATCHDOG_USEC in milliseconds, or undefined when systemd expects no pings (unset, not a
   * positive number, or WATCHDOG_PID names another process, as sd_watchdog_enabled(3) says).
   */
  watchdogIntervalMs(): number | undefined {
    if (!this.enabled) return undefined;
    const usec = Number(this.options.env.WATCHDOG_USEC);
    if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
    const pid = this.options.env.WATCHDOG_PID;
    if (pid !== undefined && pid !== '' && Number(pid) !== (this.options.pid ?? process.pid)) return undefined;
    return Math.max(1, Math.floor(usec / 1000 / 2));
  }

  ready(status?: string): void {
    this.notify({ READY: '1', ...(status === undefined ? {} : { STATUS: status }) });
  }

  /** Before a reload; `ready()` must follow when it is over, whatever its outcome. */
  reloading(status?: string): void {
    const now = (this.options.monotonicUsec ?? (() => process.hrtime.bigint() / 1000n))();
    this.notify({ RELOADING: '1', MONOTONIC_USEC: String(now), ...(status === undefined ? {} : { STATUS: status }) });
  }

  stopping(status?: string): void {
    this.notify({ STOPPING: '1', ...(status === undefined ? {} : { STATUS: status }) });
  }

  watchdog(): void {
    this.notify({ WATCHDOG: '1' });
  }

  /** A human line for `systemctl status`; repeated identical lines are not re-sent. */
  status(text: string): void {
    if (text === this.lastStatus) return;
    this.notify({ STATUS: text });
  }

  /** Send fields as one datagram. Never throws: systemd being unreachable must not stop the agent. */
  notify(fields: Readonly<Record<string, string>>): void {
    if (this.address === undefined) return;
    const payload = Buffer.from(formatNotifyMessage(fields));
    if (fields.STATUS !== undefined) this.lastStatus = fields.STATUS;
    const address = this.address;
    const fullBuffer = (e: unknown): boolean => (e as { errno?: string }).errno === 'EAGAIN';
    const failed = (e: unknown): void => this.log.warn({ err: e, message: payload.toString() }, 'could not notify systemd');
    // The first try is synchronous, so a failure is logged before notify() returns; only a full
    // socket buffer is tried again, a few times 20 ms apart.
    try {
      this.send(address, payload);
      return;
    } catch (e) {
      if (!fullBuffer(e) || (this.options.retries ?? 5) === 0) return failed(e);
    }
    unrefSleep(20).then(() => withBackoff(async () => this.send(address, payload), {
      minDelayMs: 20, maxDelayMs: 20, jitter: 0, maxRetries: (this.options.retries ?? 5) - 1, retryable: fullBuffer,
      sleep: unrefSleep,
    })).then(() => undefined, failed);
  }
}

/** `KEY=VALUE` lines. A value cannot span lines in this protocol, so newlines become spaces. */
export function formatNotifyMessage(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}\n`).join('');
}
