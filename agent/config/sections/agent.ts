/** `agent:` the daemon itself. */
import { z } from 'zod';

export const agentSection = z.strictObject({
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  /** Prometheus metrics port; 0 turns them off. */
  metricsPort: z.number().int().min(0).max(65535).default(9469),
  /**
   * Address the metrics endpoint listens on: loopback by default, so nothing on the rack's internal
   * network can read it; the public NIC's address (or 0.0.0.0) lets a central Prometheus scrape it.
   */
  metricsAddress: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address, e.g. 127.0.0.1 or the public NIC\'s address' }).default('127.0.0.1'),
  /** Group allowed on the read socket, status.sock (status, events; mode 0660); root only (0600) when unset. */
  socketGroup: z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/i, 'must be a group name').optional(),
  /** Group allowed on the control socket, agent.sock (jobs, answers, cancel, reload; mode 0660); root only (0600) when unset. */
  controlGroup: z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/i, 'must be a group name').optional(),
  /** How the agent keeps every node's power state fresh. */
  bmcPoll: z.strictObject({
    /** Time between two polls of one BMC. */
    intervalMs: z.number().int().min(200).max(3_600_000).default(30_000),
    /** Random spread of that interval (0.2 = ±20 %), so a rack's BMCs are not polled in lockstep. */
    jitter: z.number().min(0).max(0.5).default(0.2),
    /** Consecutive failed polls before a BMC is reported unreachable. */
    unreachableAfter: z.number().int().min(1).max(100).default(3),
    /** Failing BMCs are polled less often, backing off up to this. */
    maxBackoffMs: z.number().int().min(200).max(3_600_000).default(300_000),
    /** Least time between two sensor reads of one BMC (for the metrics); 0 reads none. */
    sensorsIntervalMs: z.union([z.literal(0), z.number().int().min(5_000).max(3_600_000)]).default(60_000),
    /**
     * Read what each BMC says about its server (FRU 0, the Redfish System) once after the agent
     * starts, so `racker inventory` names every server before any bootstrap; false: only at a
     * bootstrap's BMC check (for BMCs whose FRU reads are slow).
     */
    readServerFacts: z.boolean().default(true),
  }).prefault({}),
  /** The event log in the state directory. */
  events: z.strictObject({
    /** Size at which events.ndjson is rotated. */
    maxBytes: z.number().int().min(4096).max(1 << 30).default(4 * 1024 * 1024),
    /** Rotated files kept. */
    keep: z.number().int().min(0).max(20).default(3),
    /** Events any client on the rack network can cause (boot, TFTP, DHCP requests) logged one by one per second; the rest are counted in one summary event. */
    networkPerSecond: z.number().int().min(1).max(10_000).default(50),
  }).prefault({}),
  /** Longest a graceful stop may take before the agent gives up waiting and exits. */
  stopTimeoutMs: z.number().int().min(1000).max(600_000).default(20_000),
});
