/**
 * The lifecycle contract of every long-running part of the agent (dnsmasq supervision, the boot
 * HTTP server, the BMC poller, the control API ...). Constructors only assign fields; I/O starts in
 * start(). The composition root starts services in order and stops them in reverse.
 */
export interface Service {
  /** Short name for logs and errors, e.g. "dnsmasq". */
  readonly name: string;
  /** Start; resolves when the service is ready. Must give up promptly when `signal` aborts. */
  start(signal: AbortSignal): Promise<void>;
  /** Stop and release everything (processes, sockets, timers). Idempotent. */
  stop(): Promise<void>;
  /** Whether the service is working; the agent pings systemd's watchdog only while all pass. */
  healthcheck?(): Promise<boolean>;
}

/** One service's healthcheck as the health monitor (agent/daemon/health.ts) ran it. */
export interface CheckResult {
  name: string;
  healthy: boolean;
  /** Why not, when known (a thrown error or the deadline). */
  reason?: string;
}

/** All of them: what GET /v1/health answers. */
export interface HealthReport {
  healthy: boolean;
  checks: CheckResult[];
}
